/**
 * The tables (nat, filter), their chains, policies and counters, the iptables commands that edit
 * them, and the walk of a chain for one packet (ipt_do_table): rules in order, -j CHAIN pushes a
 * return point, -g does not, RETURN pops, the end of a user chain returns, the end of a built-in
 * chain (or RETURN in it) applies the policy and counts it in the policy counters.
 *
 * Checks that the kernel makes when a table is replaced are made here, when a command is applied:
 * targets only valid in some tables/hooks (SNAT in nat POSTROUTING/INPUT, ...), including through
 * user chains reachable from those hooks, and jump loops.
 */
import { cidrContains } from '../../wire/addr.ts';
import { parseCommand, isBuiltinTarget, type CommandSpans } from './parse.ts';
import { listRules, listTable } from './print.ts';
import {
  PROTO_TCP,
  PROTO_UDP,
  TABLE_CHAINS,
  makeError,
  type Command,
  type CtStateName,
  type HookName,
  type Match,
  type NetfilterError,
  type NfPacket,
  type Rule,
  type TableName,
  type Target,
} from './types.ts';

export interface RuleEntry {
  rule: Rule;
  pkts: number;
  bytes: number;
}

export interface Chain {
  name: string;
  builtin: boolean;
  /** Built-in chains only. */
  policy: 'ACCEPT' | 'DROP';
  /** Policy counters (packets that fell off the end of a built-in chain). */
  pkts: number;
  bytes: number;
  rules: RuleEntry[];
}

export interface TableState {
  name: TableName;
  chains: Map<string, Chain>;
}

export type ApplyResult = { ok: true; output: string } | { ok: false; error: NetfilterError };

/** What the rule walk needs to know about a packet besides its header fields. */
export interface MatchContext {
  inIface?: string;
  outIface?: string;
  physIn?: string;
  physOut?: string;
  /** States for -m conntrack --ctstate (NEW, ESTABLISHED, ..., plus SNAT/DNAT when NATed). */
  ctStates: readonly CtStateName[];
}

export type TraverseResult =
  | { kind: 'target'; target: Target; chain: string; ruleNumber: number }
  | { kind: 'policy'; policy: 'ACCEPT' | 'DROP'; chain: string };

/** Where each target may be used: table and built-in hooks (x_tables' .table and .hooks). */
const TARGET_HOOKS: Partial<Record<Target['kind'], { table: TableName; hooks: readonly HookName[]; what: string }>> = {
  SNAT: { table: 'nat', hooks: ['POSTROUTING', 'INPUT'], what: 'SNAT target: only valid in the nat table, POSTROUTING and INPUT chains' },
  MASQUERADE: { table: 'nat', hooks: ['POSTROUTING'], what: 'MASQUERADE target: only valid in the nat table, POSTROUTING chain' },
  DNAT: { table: 'nat', hooks: ['PREROUTING', 'OUTPUT'], what: 'DNAT target: only valid in the nat table, PREROUTING and OUTPUT chains' },
  REDIRECT: { table: 'nat', hooks: ['PREROUTING', 'OUTPUT'], what: 'REDIRECT target: only valid in the nat table, PREROUTING and OUTPUT chains' },
  REJECT: { table: 'filter', hooks: ['INPUT', 'FORWARD', 'OUTPUT'], what: 'REJECT target: only valid in the filter table' },
};

const MAX_JUMP_DEPTH = 64;

export class Ruleset {
  readonly tables: Record<TableName, TableState> = { nat: newTable('nat'), filter: newTable('filter') };

  /** Parses and applies one iptables line; listing commands return their text in `output`. */
  run(line: string): ApplyResult {
    const p = parseCommand(line);
    if (!p.ok) return p;
    return this.apply(p.command, p.spans);
  }

  /** Runs several lines, stopping at the first error (which names its line). */
  runAll(lines: readonly string[]): ApplyResult {
    let out = '';
    for (const [n, line] of lines.entries()) {
      const r = this.run(line);
      if (!r.ok) {
        const e = r.error;
        return { ok: false, error: { ...e, sentence: `Line ${n + 1}: ${e.sentence}` } };
      }
      out += r.output;
    }
    return { ok: true, output: out };
  }

  chain(table: TableName, name: string): Chain | undefined {
    return this.tables[table].chains.get(name);
  }

  apply(cmd: Command, spans?: CommandSpans): ApplyResult {
    const t = this.tables[cmd.table];
    const err = (message: string, at: number): ApplyResult => {
      const tok = at >= 0 ? spans?.tokens[at] : undefined;
      return { ok: false, error: makeError(message, tok?.text ?? '', tok ? at : -1, tok?.column ?? 0) };
    };
    const chainAt = spans?.chain ?? -1;
    const ok = (output = ''): ApplyResult => ({ ok: true, output });
    const getChain = (): Chain | null => t.chains.get('chain' in cmd && cmd.chain !== undefined ? cmd.chain : '') ?? null;

    switch (cmd.op) {
      case 'append':
      case 'insert': {
        const c = getChain();
        if (!c) return err('iptables: No chain/target/match by that name.', chainAt);
        const bad = this.checkRule(t, c, cmd.rule);
        if (bad) return err(bad, spans && spans.target >= 0 ? spans.target : chainAt);
        const entry: RuleEntry = { rule: cmd.rule, pkts: 0, bytes: 0 };
        if (cmd.op === 'append') c.rules.push(entry);
        else {
          if (cmd.index > c.rules.length + 1) return err('iptables: Index of insertion too big.', chainAt + 1);
          c.rules.splice(cmd.index - 1, 0, entry);
        }
        return ok();
      }
      case 'delete-num': {
        const c = getChain();
        if (!c) return err('iptables: No chain/target/match by that name.', chainAt);
        if (cmd.index > c.rules.length) return err('iptables: Index of deletion too big.', chainAt + 1);
        c.rules.splice(cmd.index - 1, 1);
        return ok();
      }
      case 'delete': {
        const c = getChain();
        if (!c) return err('iptables: No chain/target/match by that name.', chainAt);
        const want = JSON.stringify(normalise(cmd.rule));
        const i = c.rules.findIndex((e) => JSON.stringify(normalise(e.rule)) === want);
        if (i < 0) return err('iptables: Bad rule (does a matching rule exist in that chain?).', chainAt);
        c.rules.splice(i, 1);
        return ok();
      }
      case 'policy': {
        const c = getChain();
        if (!c || !c.builtin) return err('iptables: Bad built-in chain name.', chainAt);
        if (cmd.policy !== 'ACCEPT' && cmd.policy !== 'DROP') return err("iptables: Bad policy name. Run `dmesg' for more information.", chainAt + 1);
        if (cmd.table === 'nat' && cmd.policy === 'DROP') {
          return err('The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.', chainAt + 1);
        }
        c.policy = cmd.policy;
        return ok();
      }
      case 'flush': {
        if (cmd.chain !== undefined) {
          const c = getChain();
          if (!c) return err('iptables: No chain/target/match by that name.', chainAt);
          c.rules = [];
        } else for (const c of t.chains.values()) c.rules = [];
        return ok();
      }
      case 'zero': {
        const zero = (c: Chain): void => {
          c.pkts = 0;
          c.bytes = 0;
          for (const e of c.rules) {
            e.pkts = 0;
            e.bytes = 0;
          }
        };
        if (cmd.chain !== undefined) {
          const c = getChain();
          if (!c) return err('iptables: No chain/target/match by that name.', chainAt);
          zero(c);
        } else for (const c of t.chains.values()) zero(c);
        return ok();
      }
      case 'new-chain': {
        if (t.chains.has(cmd.chain)) return err('iptables: Chain already exists.', chainAt);
        if (isBuiltinTarget(cmd.chain) || cmd.chain.startsWith('-') || cmd.chain === '') {
          return err(`Invalid chain name \`${cmd.chain}'`, chainAt);
        }
        if (cmd.chain.length > 28) return err(`chain name \`${cmd.chain}' too long (must be under 29 chars)`, chainAt);
        t.chains.set(cmd.chain, { name: cmd.chain, builtin: false, policy: 'ACCEPT', pkts: 0, bytes: 0, rules: [] });
        return ok();
      }
      case 'delete-chain': {
        const victims = cmd.chain !== undefined ? [cmd.chain] : [...t.chains.values()].filter((c) => !c.builtin).map((c) => c.name);
        for (const name of victims) {
          const c = t.chains.get(name);
          if (!c) return err('iptables: No chain/target/match by that name.', chainAt);
          if (c.builtin) return err(`iptables: Can't delete built-in chain ${name}.`, chainAt);
          if (this.references(cmd.table, name) > 0) return err(`CHAIN_DEL failed (Device or resource busy): chain ${name}`, chainAt);
          if (c.rules.length > 0) return err(`CHAIN_DEL failed (Directory not empty): chain ${name}`, chainAt);
        }
        for (const name of victims) t.chains.delete(name);
        return ok();
      }
      case 'list':
      case 'list-rules': {
        if (cmd.chain !== undefined && !t.chains.has(cmd.chain)) return err('iptables: No chain/target/match by that name.', chainAt);
        if (cmd.op === 'list-rules') return ok(listRules(this, cmd.table, cmd.chain));
        return ok(listTable(this, cmd.table, { chain: cmd.chain, verbose: cmd.verbose, exact: cmd.exact }));
      }
    }
  }

  /** How many rules jump (or go) to a chain: the "(N references)" of iptables -L. */
  references(table: TableName, name: string): number {
    let n = 0;
    for (const c of this.tables[table].chains.values()) {
      for (const e of c.rules) if (e.rule.target?.kind === 'JUMP' && e.rule.target.chain === name) n++;
    }
    return n;
  }

  /** Chains in listing order: built-ins in kernel order, then user chains by name. */
  chainsInOrder(table: TableName): Chain[] {
    const t = this.tables[table];
    const builtins = TABLE_CHAINS[table].map((n) => t.chains.get(n)!);
    const user = [...t.chains.values()].filter((c) => !c.builtin).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return [...builtins, ...user];
  }

  /** Null when the rule may go into chain `c`; otherwise the refusal. */
  private checkRule(t: TableState, c: Chain, rule: Rule): string | null {
    const target = rule.target;
    if (target?.kind === 'DROP' && t.name === 'nat') {
      return 'The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.';
    }
    if (target?.kind === 'JUMP') {
      const dest = t.chains.get(target.chain);
      if (!dest || dest.builtin) return `Chain '${target.chain}' does not exist`;
      if (target.chain === c.name || this.reachable(t, target.chain).has(c.name)) {
        return `RULE_APPEND failed (Too many levels of symbolic links): jumping from ${c.name} to ${target.chain} makes a loop`;
      }
    }
    const hooks = this.hooksReaching(t, c.name);
    const check = (tg: Target | null, where: string): string | null => {
      if (!tg) return null;
      const allowed = TARGET_HOOKS[tg.kind];
      if (!allowed) return null;
      if (allowed.table !== t.name) return `RULE_APPEND failed (Invalid argument): rule in chain ${where}: ${allowed.what}`;
      for (const h of hooks) {
        if (!allowed.hooks.includes(h)) return `RULE_APPEND failed (Invalid argument): rule in chain ${where}: ${allowed.what}`;
      }
      return null;
    };
    const own = check(target, c.name);
    if (own) return own;
    if (target?.kind === 'JUMP') {
      for (const name of [target.chain, ...this.reachable(t, target.chain)]) {
        for (const e of t.chains.get(name)?.rules ?? []) {
          const bad = check(e.rule.target, name);
          if (bad) return bad;
        }
      }
    }
    return null;
  }

  /** User chains reachable from `from` through jumps (not including `from` itself). */
  private reachable(t: TableState, from: string): Set<string> {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const c = t.chains.get(stack.pop()!);
      for (const e of c?.rules ?? []) {
        const tg = e.rule.target;
        if (tg?.kind === 'JUMP' && !seen.has(tg.chain)) {
          seen.add(tg.chain);
          stack.push(tg.chain);
        }
      }
    }
    return seen;
  }

  /** The built-in hooks from which a chain can be reached. */
  private hooksReaching(t: TableState, name: string): HookName[] {
    const out: HookName[] = [];
    for (const h of TABLE_CHAINS[t.name]) {
      if (h === name || this.reachable(t, h).has(name)) out.push(h);
    }
    return out;
  }

  /**
   * Walks a built-in chain for one packet, counting the rules that match and the policy when it
   * applies. Stops at the first terminal target (ACCEPT, DROP, REJECT, SNAT, DNAT, MASQUERADE,
   * REDIRECT); the caller carries it out.
   */
  traverse(table: TableName, hook: HookName, pkt: NfPacket, ctx: MatchContext): TraverseResult {
    const t = this.tables[table];
    const start = t.chains.get(hook);
    if (!start) return { kind: 'policy', policy: 'ACCEPT', chain: hook };
    const stack: { chain: Chain; next: number }[] = [];
    let chain = start;
    let i = 0;
    for (;;) {
      if (i >= chain.rules.length) {
        const back = stack.pop();
        if (!back) return this.policy(start, pkt);
        chain = back.chain;
        i = back.next;
        continue;
      }
      const entry = chain.rules[i]!;
      i++;
      if (!ruleMatches(entry.rule, pkt, ctx)) continue;
      entry.pkts++;
      entry.bytes += pkt.length;
      const tg = entry.rule.target;
      if (!tg) continue;
      if (tg.kind === 'RETURN') {
        const back = stack.pop();
        if (!back) return this.policy(start, pkt);
        chain = back.chain;
        i = back.next;
        continue;
      }
      if (tg.kind === 'JUMP') {
        const dest = t.chains.get(tg.chain);
        if (!dest) continue;
        if (!tg.goto) {
          if (stack.length >= MAX_JUMP_DEPTH) return { kind: 'policy', policy: 'DROP', chain: chain.name };
          stack.push({ chain, next: i });
        }
        chain = dest;
        i = 0;
        continue;
      }
      return { kind: 'target', target: tg, chain: chain.name, ruleNumber: i };
    }
  }

  /** The built-in chain's policy applies (its underflow rule), counted in the policy counters. */
  private policy(builtin: Chain, pkt: NfPacket): TraverseResult {
    builtin.pkts++;
    builtin.bytes += pkt.length;
    return { kind: 'policy', policy: builtin.policy, chain: builtin.name };
  }
}

function newTable(name: TableName): TableState {
  const chains = new Map<string, Chain>();
  for (const c of TABLE_CHAINS[name]) chains.set(c, { name: c, builtin: true, policy: 'ACCEPT', pkts: 0, bytes: 0, rules: [] });
  return { name, chains };
}

/** A rule in a canonical form for -D matching (the comment and port defaults are compared too). */
function normalise(r: Rule): Rule {
  return JSON.parse(JSON.stringify(r)) as Rule;
}

/** Interface names with a trailing `+` match every name with that prefix. */
export function ifaceMatches(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  if (pattern.endsWith('+')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

function portIn(port: number, r: { value: { lo: number; hi: number }; invert: boolean } | undefined): boolean {
  if (!r) return true;
  const inside = port >= r.value.lo && port <= r.value.hi;
  return inside !== r.invert;
}

function matchExt(m: Match, pkt: NfPacket, ctx: MatchContext): boolean {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
      if (pkt.proto !== (m.kind === 'tcp' ? PROTO_TCP : PROTO_UDP)) return false;
      return portIn(pkt.sport, m.sport) && portIn(pkt.dport, m.dport);
    case 'conntrack': {
      const any = m.ctstate.value.some((s) => ctx.ctStates.includes(s));
      return any !== m.ctstate.invert;
    }
    case 'physdev': {
      // xt_physdev: a packet that was not bridged never matches a --physdev-in/out condition.
      if (m.physdevIn && ifaceMatches(m.physdevIn.value, ctx.physIn) === m.physdevIn.invert) return false;
      if (m.physdevOut && ifaceMatches(m.physdevOut.value, ctx.physOut) === m.physdevOut.invert) return false;
      return true;
    }
    case 'comment':
      return true;
  }
}

export function ruleMatches(r: Rule, pkt: NfPacket, ctx: MatchContext): boolean {
  if (r.src && cidrContains(r.src.value, pkt.src) === r.src.invert) return false;
  if (r.dst && cidrContains(r.dst.value, pkt.dst) === r.dst.invert) return false;
  if (r.inIface && ifaceMatches(r.inIface.value, ctx.inIface) === r.inIface.invert) return false;
  if (r.outIface && ifaceMatches(r.outIface.value, ctx.outIface) === r.outIface.invert) return false;
  if (r.proto && (pkt.proto === r.proto.value) === r.proto.invert) return false;
  for (const m of r.matches) if (!matchExt(m, pkt, ctx)) return false;
  return true;
}
