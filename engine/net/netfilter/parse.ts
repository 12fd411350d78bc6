/**
 * A parser for iptables argument lines (iptables 1.8 syntax, the nat and filter tables), in the
 * order iptables' own do_parse works: options are read left to right, `!` inverts the next one,
 * options that the main parser does not know are offered to the loaded matches (-m ..., or the
 * implicit tcp/udp match that -p loads on the first --sport/--dport) and then to the target.
 * Long options may be abbreviated to any unambiguous prefix, as getopt_long allows
 * (`--to` for `--to-source`).
 *
 * Errors use iptables' wording ("Bad argument `foo'", 'unknown option "--bogus"', ...) plus the
 * offending token and its column. Checks that need the current rule set (does the chain exist,
 * is SNAT allowed in this chain) are in ruleset.ts.
 */
import { parseIpv4, prefixMask, type Cidr } from '../../wire/addr.ts';
import { tokenize, type Token } from './tokenize.ts';
import {
  CT_STATES,
  PROTO_ICMP,
  PROTO_TCP,
  PROTO_UDP,
  REJECT_WITH,
  makeError,
  type Command,
  type CtStateName,
  type Match,
  type NatRangeSpec,
  type NetfilterError,
  type PortRange,
  type RejectWith,
  type Rule,
  type TableName,
  type Target,
} from './types.ts';

/** Where the parts of a command were, so later (rule-set) errors can point at them too. */
export interface CommandSpans {
  tokens: Token[];
  chain: number;
  target: number;
  table: number;
}

export type ParseResult = { ok: true; command: Command; spans: CommandSpans } | { ok: false; error: NetfilterError };

const PROTO_NAMES: Readonly<Record<string, number>> = { all: 0, icmp: PROTO_ICMP, tcp: PROTO_TCP, udp: PROTO_UDP };
export const PROTO_BY_NUMBER: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };
const SERVICES: Readonly<Record<string, number>> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, pop3: 110, ntp: 123, imap: 143, https: 443,
};
const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT']);
const MATCH_MODULES = new Set(['tcp', 'udp', 'conntrack', 'physdev', 'comment']);
const IFNAMSIZ = 16;

type CmdLetter = 'A' | 'I' | 'D' | 'P' | 'F' | 'Z' | 'N' | 'X' | 'L' | 'S';

interface MainOption {
  long: string;
  short?: string;
  arg: boolean;
}

const MAIN_OPTIONS: readonly MainOption[] = [
  { long: 'append', short: 'A', arg: true },
  { long: 'insert', short: 'I', arg: true },
  { long: 'delete', short: 'D', arg: true },
  { long: 'policy', short: 'P', arg: true },
  { long: 'flush', short: 'F', arg: false },
  { long: 'zero', short: 'Z', arg: false },
  { long: 'new-chain', short: 'N', arg: true },
  { long: 'delete-chain', short: 'X', arg: false },
  { long: 'list', short: 'L', arg: false },
  { long: 'list-rules', short: 'S', arg: false },
  { long: 'table', short: 't', arg: true },
  { long: 'jump', short: 'j', arg: true },
  { long: 'goto', short: 'g', arg: true },
  { long: 'in-interface', short: 'i', arg: true },
  { long: 'out-interface', short: 'o', arg: true },
  { long: 'source', short: 's', arg: true },
  { long: 'src', arg: true },
  { long: 'destination', short: 'd', arg: true },
  { long: 'dst', arg: true },
  { long: 'protocol', short: 'p', arg: true },
  { long: 'match', short: 'm', arg: true },
  { long: 'numeric', short: 'n', arg: false },
  { long: 'verbose', short: 'v', arg: false },
  { long: 'exact', short: 'x', arg: false },
];

/** Options each match or target module adds, with whether they take an argument. */
const MODULE_OPTIONS: Readonly<Record<string, readonly [string, boolean][]>> = {
  tcp: [['source-port', true], ['sport', true], ['destination-port', true], ['dport', true]],
  udp: [['source-port', true], ['sport', true], ['destination-port', true], ['dport', true]],
  conntrack: [['ctstate', true]],
  physdev: [['physdev-in', true], ['physdev-out', true]],
  comment: [['comment', true]],
  SNAT: [['to-source', true], ['random', false], ['random-fully', false], ['persistent', false]],
  DNAT: [['to-destination', true], ['random', false], ['persistent', false]],
  MASQUERADE: [['to-ports', true], ['random', false], ['random-fully', false]],
  REDIRECT: [['to-ports', true], ['random', false]],
  REJECT: [['reject-with', true]],
};
const INVERTIBLE = new Set(['source-port', 'sport', 'destination-port', 'dport', 'ctstate', 'physdev-in', 'physdev-out']);

class ParseFailure {
  constructor(readonly error: NetfilterError) {}
}

/** Parses one iptables line (with or without the leading `iptables`). */
export function parseCommand(line: string): ParseResult {
  const t = tokenize(line);
  if (!t.ok) return t;
  const tokens = t.tokens[0]?.text === 'iptables' ? t.tokens.slice(1) : t.tokens;
  try {
    return new Parser(tokens).run();
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}

/** Parses a rule specification alone (`-s 10.0.0.0/24 -j ACCEPT`), for tests and builders. */
export function parseRule(spec: string, chain = 'FORWARD', table: TableName = 'filter'): Rule {
  const r = parseCommand(`-t ${table} -A ${chain} ${spec}`);
  if (!r.ok) throw new Error(r.error.sentence);
  if (r.command.op !== 'append') throw new Error('not a rule');
  return r.command.rule;
}

interface ModuleState {
  name: string;
  match: Match;
  /** Token index where the module was loaded (for "no option specified" errors). */
  at: number;
}

class Parser {
  private i = 0;
  private invert = false;
  private invertAt = -1;
  private cmd: { letter: CmdLetter; at: number } | null = null;
  private table: TableName = 'filter';
  private tableAt = -1;
  private chain: string | null = null;
  private chainAt = -1;
  private positional: { text: string; at: number }[] = [];
  private rule: Rule = { matches: [], target: null };
  private modules: ModuleState[] = [];
  private targetName: string | null = null;
  private targetAt = -1;
  private targetGoto = false;
  private targetOpts = new Map<string, { value: string; at: number }>();
  private protoAt = -1;
  /** -s/-d given as 0.0.0.0/0: counts for "multiple -s flags" but is not kept. */
  private addrAny = new Set<'src' | 'dst'>();
  private flags = { verbose: false, exact: false };

  constructor(private readonly tokens: Token[]) {}

  run(): ParseResult {
    while (this.i < this.tokens.length) this.step();
    if (this.invert) this.fail("Multiple `!' flags not allowed", this.invertAt);
    return this.finish();
  }

  private fail(message: string, at: number): never {
    const tok = this.tokens[at];
    throw new ParseFailure(makeError(message, tok?.text ?? '', tok ? at : -1, tok?.column ?? 0));
  }

  private step(): void {
    const at = this.i;
    const tok = this.tokens[at]!.text;
    this.i++;
    if (tok === '!') {
      if (this.invert) this.fail("Multiple `!' flags not allowed", at);
      this.invert = true;
      this.invertAt = at;
      return;
    }
    if (tok.startsWith('--') && tok.length > 2) {
      const eq = tok.indexOf('=');
      const name = eq > 0 ? tok.slice(2, eq) : tok.slice(2);
      const inline = eq > 0 ? tok.slice(eq + 1) : null;
      this.longOption(name, inline, at);
      return;
    }
    if (tok.startsWith('-') && tok.length > 1 && tok !== '-') {
      this.shortOptions(tok.slice(1), at);
      return;
    }
    this.fail(`Bad argument \`${tok}'`, at);
  }

  /** -I/-D/-P take a word right after the chain, -F/-Z/-X/-L/-S an optional chain (as iptables peeks at argv). */
  private peekWord(): { text: string; at: number } | null {
    const next = this.tokens[this.i];
    if (!next || next.text.startsWith('-') || next.text === '!') return null;
    this.i++;
    return { text: next.text, at: this.i - 1 };
  }

  private shortOptions(letters: string, at: number): void {
    for (let k = 0; k < letters.length; k++) {
      const ch = letters[k]!;
      const opt = MAIN_OPTIONS.find((o) => o.short === ch);
      if (!opt) this.fail(`unknown option "-${ch}"`, at);
      if (opt.arg) {
        const rest = letters.slice(k + 1);
        const value = rest ? rest : this.takeArg(`-${ch}`, at);
        this.mainOption(opt, value, at);
        return;
      }
      this.mainOption(opt, null, at);
    }
  }

  private takeArg(name: string, at: number): string {
    const next = this.tokens[this.i];
    if (!next) this.fail(`option "${name}" requires an argument`, at);
    this.i++;
    return next.text;
  }

  private longOption(name: string, inline: string | null, at: number): void {
    type Cand = { kind: 'main'; opt: MainOption } | { kind: 'module'; module: ModuleState; opt: string; arg: boolean } | { kind: 'target'; opt: string; arg: boolean };
    const collect = (): Cand[] => {
      const all: { full: string; cand: Cand }[] = [];
      for (const o of MAIN_OPTIONS) all.push({ full: o.long, cand: { kind: 'main', opt: o } });
      for (const m of this.modules) {
        for (const [o, arg] of MODULE_OPTIONS[m.name] ?? []) all.push({ full: o, cand: { kind: 'module', module: m, opt: o, arg } });
      }
      if (this.targetName) {
        for (const [o, arg] of MODULE_OPTIONS[this.targetName] ?? []) all.push({ full: o, cand: { kind: 'target', opt: o, arg } });
      }
      const exact = all.filter((a) => a.full === name);
      if (exact.length) return exact.map((a) => a.cand);
      return all.filter((a) => a.full.startsWith(name)).map((a) => a.cand);
    };
    let cands = collect();
    if (cands.length === 0 && this.loadImplicitProto(at)) cands = collect();
    if (cands.length === 0) this.fail(`unknown option "--${name}"`, at);
    // Several modules may offer the same option (tcp and udp both have --dport): the first wins,
    // as in iptables; different options with a common prefix are ambiguous.
    const names = new Set(cands.map((c) => (c.kind === 'main' ? c.opt.long : c.opt)));
    if (names.size > 1) this.fail(`option "--${name}" is ambiguous`, at);
    const c = cands[0]!;
    if (c.kind === 'main') {
      const value = c.opt.arg ? (inline ?? this.takeArg(`--${name}`, at)) : null;
      this.mainOption(c.opt, value, at);
      return;
    }
    const value = c.arg ? (inline ?? this.takeArg(`--${name}`, at)) : null;
    if (value === '!' && INVERTIBLE.has(c.opt)) {
      this.fail('Using intrapositioned negation (`--option ! this`) is deprecated in favor of extrapositioned (`! --option this`).', at);
    }
    const inv = this.invert;
    if (inv && !INVERTIBLE.has(c.opt)) this.fail(`unexpected \`!' before option "--${c.opt}"`, this.invertAt);
    this.invert = false;
    if (c.kind === 'module') this.moduleOption(c.module, c.opt, value ?? '', inv, at);
    else this.targetOpts.set(c.opt, { value: value ?? '', at });
  }

  /** iptables loads the tcp/udp match on the first option nobody knows, when -p names it. */
  private loadImplicitProto(at: number): boolean {
    const p = this.rule.proto;
    if (!p || p.invert) return false;
    const name = p.value === PROTO_TCP ? 'tcp' : p.value === PROTO_UDP ? 'udp' : null;
    if (!name || this.modules.some((m) => m.name === name)) return false;
    this.loadModule(name, at);
    return true;
  }

  private loadModule(name: string, at: number): void {
    let match: Match;
    if (name === 'tcp' || name === 'udp') match = { kind: name };
    else if (name === 'conntrack') match = { kind: 'conntrack', ctstate: { value: [], invert: false } };
    else if (name === 'physdev') match = { kind: 'physdev' };
    else match = { kind: 'comment', comment: '' };
    this.modules.push({ name, match, at });
    this.rule.matches.push(match);
  }

  private setCommand(letter: CmdLetter, at: number): void {
    if (this.cmd) this.fail(`Cannot use -${letter} with -${this.cmd.letter}`, at);
    this.cmd = { letter, at };
  }

  private noInvert(opt: string, at: number): void {
    if (this.invert) this.fail(`cannot have ! before -${opt}`, this.invertAt < 0 ? at : this.invertAt);
  }

  private mainOption(opt: MainOption, value: string | null, at: number): void {
    const s = opt.short ?? opt.long;
    const inv = this.invert;
    switch (opt.long) {
      case 'append':
      case 'insert':
      case 'delete':
      case 'policy':
      case 'new-chain':
        this.noInvert(s, at);
        this.setCommand(opt.short as CmdLetter, at);
        this.chain = value!;
        this.chainAt = this.valueAt(at);
        if (opt.long === 'insert' || opt.long === 'delete' || opt.long === 'policy') {
          const w = this.peekWord();
          if (w) this.positional.push(w);
        }
        return;
      case 'flush':
      case 'zero':
      case 'delete-chain':
      case 'list':
      case 'list-rules':
        this.noInvert(s, at);
        this.setCommand(opt.short as CmdLetter, at);
        {
          const w = this.peekWord();
          if (w) {
            this.chain = w.text;
            this.chainAt = w.at;
          }
        }
        return;
      case 'table': {
        this.noInvert(s, at);
        const v = value!;
        if (v !== 'nat' && v !== 'filter') {
          const why = ['mangle', 'raw', 'security'].includes(v) ? ' (netplay models the nat and filter tables)' : '';
          this.fail(`table '${v}' does not exist${why}`, this.valueAt(at));
        }
        this.table = v;
        this.tableAt = at;
        return;
      }
      case 'jump':
      case 'goto':
        this.noInvert(s, at);
        if (this.targetName) this.fail('multiple -j flags not allowed', at);
        if (value === '') this.fail('chain name not allowed to be empty', at);
        this.targetName = value!;
        this.targetAt = this.valueAt(at);
        this.targetGoto = opt.long === 'goto';
        if (this.targetGoto && BUILTIN_TARGETS.has(value!)) this.fail(`goto '${value}' is not a chain`, this.targetAt);
        return;
      case 'in-interface':
      case 'out-interface': {
        const key = opt.long === 'in-interface' ? 'inIface' : 'outIface';
        if (this.rule[key]) this.fail(`multiple -${opt.short} flags not allowed`, at);
        const v = value!;
        if (v.length >= IFNAMSIZ) this.fail(`interface name \`${v}' must be shorter than IFNAMSIZ (${IFNAMSIZ - 1})`, this.valueAt(at));
        this.rule[key] = { value: v, invert: inv };
        this.invert = false;
        return;
      }
      case 'source':
      case 'src':
      case 'destination':
      case 'dst': {
        const key = opt.long === 'source' || opt.long === 'src' ? 'src' : 'dst';
        const letter = key === 'src' ? 's' : 'd';
        if (this.rule[key] || this.addrAny.has(key)) this.fail(`multiple -${letter} flags not allowed`, at);
        const cidr = this.parseAddress(value!, this.valueAt(at));
        // 0.0.0.0/0 is no condition at all; iptables drops it (but keeps `! -s 0.0.0.0/0`).
        if (cidr.prefix !== 0 || inv) this.rule[key] = { value: cidr, invert: inv };
        else this.addrAny.add(key);
        this.invert = false;
        return;
      }
      case 'protocol': {
        if (this.rule.proto || this.protoAt >= 0) this.fail('multiple -p flags not allowed', at);
        const v = value!.toLowerCase();
        let num = PROTO_NAMES[v];
        if (num === undefined && /^\d+$/.test(v) && Number(v) <= 255) num = Number(v);
        if (num === undefined) this.fail(`unknown protocol "${value}" specified`, this.valueAt(at));
        if (num === 0 && inv) this.fail("rule would never match protocol", at);
        this.protoAt = at;
        if (num !== 0) this.rule.proto = { value: num, invert: inv };
        this.invert = false;
        return;
      }
      case 'match': {
        this.noInvert(s, at);
        const v = value!;
        if (!MATCH_MODULES.has(v)) this.fail(`Couldn't load match \`${v}':No such file or directory`, this.valueAt(at));
        if (v === 'tcp' || v === 'udp') {
          const want = v === 'tcp' ? PROTO_TCP : PROTO_UDP;
          if (this.rule.proto?.value !== want || this.rule.proto.invert) {
            this.fail(`${v} match: only valid for protocol ${want} (use -p ${v} before -m ${v})`, this.valueAt(at));
          }
          if (this.modules.some((m) => m.name === v)) return;
        }
        this.loadModule(v, at);
        return;
      }
      case 'numeric':
        return;
      case 'verbose':
        this.flags.verbose = true;
        return;
      case 'exact':
        this.flags.exact = true;
        return;
    }
  }

  /** The token index of an option's argument (the next word, or the option itself if attached). */
  private valueAt(at: number): number {
    return this.i - 1 > at ? this.i - 1 : at;
  }

  private parseAddress(text: string, at: number): Cidr {
    const slash = text.indexOf('/');
    const host = slash < 0 ? text : text.slice(0, slash);
    const base = parseIpv4(host);
    if (base === null) this.fail(`host/network \`${host}' not found`, at);
    let prefix = 32;
    if (slash >= 0) {
      const m = text.slice(slash + 1);
      if (/^\d{1,2}$/.test(m) && Number(m) <= 32) prefix = Number(m);
      else {
        const dotted = parseIpv4(m);
        const p = dotted === null ? -1 : maskToPrefix(dotted);
        if (p < 0) this.fail(`invalid mask \`${m}' specified`, at);
        prefix = p;
      }
    }
    return { base: (base & prefixMask(prefix)) >>> 0, prefix };
  }

  private moduleOption(mod: ModuleState, opt: string, value: string, invert: boolean, at: number): void {
    const m = mod.match;
    const valueAt = this.valueAt(at);
    if (m.kind === 'tcp' || m.kind === 'udp') {
      const which = opt === 'source-port' || opt === 'sport' ? 'sport' : 'dport';
      if (m[which]) this.fail(`multiple --${which} flags not allowed`, at);
      const range = this.parsePortRange(value, valueAt);
      if (range.lo !== 0 || range.hi !== 65535 || invert) m[which] = { value: range, invert };
      return;
    }
    if (m.kind === 'conntrack') {
      if (m.ctstate.value.length) this.fail('multiple --ctstate flags not allowed', at);
      const states = new Set<CtStateName>();
      for (const part of value.split(',')) {
        const up = part.toUpperCase() as CtStateName;
        if (!(CT_STATES as readonly string[]).includes(up)) this.fail(`Bad ctstate "${part}"`, valueAt);
        states.add(up);
      }
      m.ctstate = { value: CT_STATES.filter((s) => states.has(s)), invert };
      return;
    }
    if (m.kind === 'physdev') {
      const key = opt === 'physdev-in' ? 'physdevIn' : 'physdevOut';
      if (value.length >= IFNAMSIZ) this.fail(`interface name \`${value}' must be shorter than IFNAMSIZ (${IFNAMSIZ - 1})`, valueAt);
      m[key] = { value, invert };
      return;
    }
    if (m.kind === 'comment') {
      if (value.length > 255) this.fail('COMMENT must be shorter than 256 characters', valueAt);
      m.comment = value;
    }
  }

  private parsePort(text: string, at: number): number {
    if (/^\d+$/.test(text) && Number(text) <= 65535) return Number(text);
    const s = SERVICES[text];
    if (s !== undefined) return s;
    return this.fail(`invalid port/service \`${text}' specified`, at);
  }

  private parsePortRange(text: string, at: number): PortRange {
    const colon = text.indexOf(':');
    if (colon < 0) {
      const p = this.parsePort(text, at);
      return { lo: p, hi: p };
    }
    const a = text.slice(0, colon);
    const b = text.slice(colon + 1);
    const lo = a === '' ? 0 : this.parsePort(a, at);
    const hi = b === '' ? 65535 : this.parsePort(b, at);
    if (lo > hi) this.fail('invalid portrange (min > max)', at);
    return { lo, hi };
  }

  /** NAT target ports are `a` or `a-b`. */
  private parseNatPorts(text: string, at: number): PortRange {
    const parts = text.split('-');
    const nums = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : -1));
    if (parts.length > 2 || nums.some((x) => x < 0 || x > 65535)) this.fail(`Port \`${text}' not valid`, at);
    const lo = nums[0]!;
    const hi = nums.length === 2 ? nums[1]! : lo;
    if (hi < lo) this.fail(`Port range \`${text}' not valid`, at);
    return { lo, hi };
  }

  private needPorts(at: number): void {
    const p = this.rule.proto?.value;
    if (p !== PROTO_TCP && p !== PROTO_UDP && p !== PROTO_ICMP) this.fail('Need TCP, UDP, SCTP or DCCP with port specification', at);
  }

  private parseNatRange(text: string, at: number): NatRangeSpec {
    const colon = text.indexOf(':');
    const addrText = colon < 0 ? text : text.slice(0, colon);
    const spec: NatRangeSpec = {};
    if (colon >= 0) {
      this.needPorts(at);
      spec.ports = this.parseNatPorts(text.slice(colon + 1), at);
    }
    if (addrText !== '') {
      const dash = addrText.indexOf('-');
      const lo = parseIpv4(dash < 0 ? addrText : addrText.slice(0, dash));
      const hi = dash < 0 ? lo : parseIpv4(addrText.slice(dash + 1));
      if (lo === null || hi === null) this.fail(`Bad IP address "${addrText}"`, at);
      if (hi < lo) this.fail(`Bad IP address range "${addrText}"`, at);
      spec.addr = { lo, hi };
    } else if (colon < 0) this.fail(`Bad IP address "${text}"`, at);
    return spec;
  }

  private buildTarget(): Target | null {
    const name = this.targetName;
    if (name === null) return null;
    const o = this.targetOpts;
    const has = (k: string): boolean => o.has(k);
    switch (name) {
      case 'ACCEPT':
      case 'DROP':
      case 'RETURN':
        return { kind: name };
      case 'REJECT': {
        const w = o.get('reject-with');
        let with_: RejectWith = 'icmp-port-unreachable';
        if (w) {
          const alias: Record<string, RejectWith> = { 'tcp-rst': 'tcp-reset', 'icmp-admin-prohibited': 'icmp-admin-prohibited' };
          const v = alias[w.value] ?? w.value;
          if (!(REJECT_WITH as readonly string[]).includes(v)) this.fail(`unknown reject type "${w.value}"`, this.tokenAfter(w.at));
          with_ = v as RejectWith;
          if (with_ === 'tcp-reset' && (this.rule.proto?.value !== PROTO_TCP || this.rule.proto.invert)) {
            this.fail('RULE_APPEND failed (Invalid argument): TCP_RESET invalid for non-tcp', this.tokenAfter(w.at));
          }
        }
        return { kind: 'REJECT', with: with_ };
      }
      case 'SNAT':
      case 'DNAT': {
        const key = name === 'SNAT' ? 'to-source' : 'to-destination';
        const v = o.get(key);
        if (!v) this.fail(`${name}: option "--${key}" must be specified`, this.targetAt);
        const to = this.parseNatRange(v.value, this.tokenAfter(v.at));
        if (name === 'SNAT') {
          return { kind: 'SNAT', to, random: has('random'), randomFully: has('random-fully'), persistent: has('persistent') };
        }
        return { kind: 'DNAT', to, random: has('random'), persistent: has('persistent') };
      }
      case 'MASQUERADE':
      case 'REDIRECT': {
        const v = o.get('to-ports');
        let ports: PortRange | undefined;
        if (v) {
          this.needPorts(this.tokenAfter(v.at));
          ports = this.parseNatPorts(v.value, this.tokenAfter(v.at));
        }
        const base = ports ? { ports } : {};
        if (name === 'MASQUERADE') return { kind: 'MASQUERADE', ...base, random: has('random'), randomFully: has('random-fully') };
        return { kind: 'REDIRECT', ...base, random: has('random') };
      }
      default:
        return { kind: 'JUMP', chain: name, goto: this.targetGoto };
    }
  }

  private tokenAfter(at: number): number {
    return this.tokens[at]?.text.includes('=') ? at : at + 1;
  }

  private finish(): ParseResult {
    if (!this.cmd) this.fail('no command specified', -1);
    for (const m of this.modules) {
      if (m.match.kind === 'conntrack' && m.match.ctstate.value.length === 0) this.fail('conntrack: At least one option is required', m.at);
      if (m.match.kind === 'physdev' && !m.match.physdevIn && !m.match.physdevOut) this.fail('PHYSDEV: no physdev option specified', m.at);
    }
    const target = this.buildTarget();
    this.rule.target = target;
    const table = this.table;
    const chain = this.chain ?? '';
    const spans: CommandSpans = { tokens: this.tokens, chain: this.chainAt, target: this.targetAt, table: this.tableAt };
    const letter = this.cmd.letter;
    const pos = this.positional[0];
    const ruleish = this.hasRuleOptions();
    const chainRule = (): void => {
      if (this.rule.inIface && (chain === 'OUTPUT' || chain === 'POSTROUTING')) this.fail(`Can't use -i with ${chain}`, this.findToken(['-i', '--in-interface']));
      if (this.rule.outIface && (chain === 'PREROUTING' || chain === 'INPUT')) this.fail(`Can't use -o with ${chain}`, this.findToken(['-o', '--out-interface']));
    };
    let command: Command;
    switch (letter) {
      case 'A':
        chainRule();
        command = { op: 'append', table, chain, rule: this.rule };
        break;
      case 'I': {
        chainRule();
        let index = 1;
        if (pos) {
          if (!/^\d+$/.test(pos.text) || Number(pos.text) < 1) this.fail(`Invalid rule number \`${pos.text}'`, pos.at);
          index = Number(pos.text);
        }
        command = { op: 'insert', table, chain, index, rule: this.rule };
        break;
      }
      case 'D':
        if (pos) {
          if (!/^\d+$/.test(pos.text) || Number(pos.text) < 1) this.fail(`Invalid rule number \`${pos.text}'`, pos.at);
          if (ruleish) this.fail(`Bad argument \`${pos.text}'`, pos.at);
          command = { op: 'delete-num', table, chain, index: Number(pos.text) };
        } else command = { op: 'delete', table, chain, rule: this.rule };
        break;
      case 'P':
        if (!pos) this.fail('-P requires a chain and a policy', this.cmd.at);
        command = { op: 'policy', table, chain, policy: pos.text };
        break;
      case 'N':
        command = { op: 'new-chain', table, chain };
        break;
      default: {
        const base = { table, ...(this.chain !== null ? { chain } : {}) };
        if (ruleish) this.fail(`Illegal option with -${letter}`, this.firstRuleToken());
        if (letter === 'F') command = { op: 'flush', ...base };
        else if (letter === 'Z') command = { op: 'zero', ...base };
        else if (letter === 'X') command = { op: 'delete-chain', ...base };
        else if (letter === 'L') command = { op: 'list', ...base, verbose: this.flags.verbose, exact: this.flags.exact };
        else command = { op: 'list-rules', ...base };
      }
    }
    if ((letter === 'P' || letter === 'N') && ruleish) this.fail(`Illegal option with -${letter}`, this.firstRuleToken());
    return { ok: true, command, spans };
  }

  private hasRuleOptions(): boolean {
    const r = this.rule;
    return !!(r.src || r.dst || r.inIface || r.outIface || r.proto || r.matches.length || this.targetName);
  }

  private firstRuleToken(): number {
    return this.tokens.findIndex((t) => /^-(s|d|i|o|p|m|j|g)$/.test(t.text) || /^--(source|destination|in-|out-|protocol|match|jump|goto)/.test(t.text));
  }

  private findToken(names: string[]): number {
    return this.tokens.findIndex((t) => names.includes(t.text));
  }
}

function maskToPrefix(mask: number): number {
  for (let p = 0; p <= 32; p++) if (prefixMask(p) === mask >>> 0) return p;
  return -1;
}

/** `true` for names iptables treats as targets rather than chains. */
export function isBuiltinTarget(name: string): boolean {
  return BUILTIN_TARGETS.has(name);
}
