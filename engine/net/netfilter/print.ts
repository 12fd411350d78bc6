/**
 * Shows rules back as iptables 1.8.9 (nf_tables) prints them, byte for byte (checked against
 * fixtures/iptables-1.8.9.json, recorded from the real tool by fixtures/capture-iptables.py):
 *
 * - `iptables -S`: `-P` lines, `-N` lines, then `-A CHAIN <spec>` with matches in load order and
 *   the implicit `-m tcp`/`-m udp` spelled out;
 * - `iptables -L -v -n` and `-L -v -n -x`: the columns of xtables' print_header/print_firewall,
 *   counters in the K/M/G form unless exact.
 */
import { cidrToString, ipv4ToString, type Cidr } from '../../wire/addr.ts';
import { PROTO_BY_NUMBER } from './parse.ts';
import type { Chain, Ruleset } from './ruleset.ts';
import type { Match, NatRangeSpec, Neg, PortRange, Rule, TableName, Target } from './types.ts';

const NO_QUOTE = /^[_\-0-9a-zA-Z]+$/;

/** xtables_save_string: bare when only [_-0-9a-zA-Z], else double-quoted with \" \\ \' escaped. */
export function saveString(s: string): string {
  if (NO_QUOTE.test(s)) return s;
  return `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

function inv(n: { invert: boolean } | undefined): string {
  return n?.invert ? '! ' : '';
}

function ports(r: PortRange, sep: string): string {
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}${sep}${r.hi}`;
}

function natRange(to: NatRangeSpec): string {
  let s = '';
  if (to.addr) s += to.addr.lo === to.addr.hi ? ipv4ToString(to.addr.lo) : `${ipv4ToString(to.addr.lo)}-${ipv4ToString(to.addr.hi)}`;
  if (to.ports) s += `:${ports(to.ports, '-')}`;
  return s;
}

function protoName(p: number): string {
  return PROTO_BY_NUMBER[p] ?? String(p);
}

function matchSave(m: Match): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp': {
      let s = ` -m ${m.kind}`;
      if (m.sport) s += ` ${inv(m.sport)}--sport ${ports(m.sport.value, ':')}`;
      if (m.dport) s += ` ${inv(m.dport)}--dport ${ports(m.dport.value, ':')}`;
      return s;
    }
    case 'conntrack':
      return ` -m conntrack ${inv(m.ctstate)}--ctstate ${m.ctstate.value.join(',')}`;
    case 'physdev': {
      let s = ' -m physdev';
      if (m.physdevIn) s += ` ${inv(m.physdevIn)}--physdev-in ${m.physdevIn.value}`;
      if (m.physdevOut) s += ` ${inv(m.physdevOut)}--physdev-out ${m.physdevOut.value}`;
      return s;
    }
    case 'comment':
      return ` -m comment --comment ${saveString(m.comment)}`;
  }
}

function targetSave(t: Target): string {
  switch (t.kind) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return ` -j ${t.kind}`;
    case 'REJECT':
      return ` -j REJECT --reject-with ${t.with}`;
    case 'SNAT':
      return ` -j SNAT --to-source ${natRange(t.to)}${t.random ? ' --random' : ''}${t.randomFully ? ' --random-fully' : ''}${t.persistent ? ' --persistent' : ''}`;
    case 'DNAT':
      return ` -j DNAT --to-destination ${natRange(t.to)}${t.random ? ' --random' : ''}${t.persistent ? ' --persistent' : ''}`;
    case 'MASQUERADE':
      return ` -j MASQUERADE${t.ports ? ` --to-ports ${ports(t.ports, '-')}` : ''}${t.random ? ' --random' : ''}${t.randomFully ? ' --random-fully' : ''}`;
    case 'REDIRECT':
      return ` -j REDIRECT${t.ports ? ` --to-ports ${ports(t.ports, '-')}` : ''}${t.random ? ' --random' : ''}`;
    case 'JUMP':
      return ` ${t.goto ? '-g' : '-j'} ${t.chain}`;
  }
}

/** The rule specification as `iptables -S` prints it after `-A CHAIN` (leading space included). */
export function ruleSpec(r: Rule): string {
  let s = '';
  if (r.src) s += ` ${inv(r.src)}-s ${cidrToString(r.src.value)}`;
  if (r.dst) s += ` ${inv(r.dst)}-d ${cidrToString(r.dst.value)}`;
  if (r.inIface) s += ` ${inv(r.inIface)}-i ${r.inIface.value}`;
  if (r.outIface) s += ` ${inv(r.outIface)}-o ${r.outIface.value}`;
  if (r.proto) s += ` ${inv(r.proto)}-p ${protoName(r.proto.value)}`;
  for (const m of r.matches) s += matchSave(m);
  if (r.target) s += targetSave(r.target);
  return s;
}

/** One `-A` line (without a newline). */
export function printRule(chain: string, r: Rule): string {
  return `-A ${chain}${ruleSpec(r)}`;
}

/** `iptables -t TABLE -S [CHAIN]`. */
export function listRules(rs: Ruleset, table: TableName, only?: string): string {
  const chains = rs.chainsInOrder(table).filter((c) => only === undefined || c.name === only);
  let out = '';
  for (const c of chains) out += c.builtin ? `-P ${c.name} ${c.policy}\n` : `-N ${c.name}\n`;
  for (const c of chains) for (const e of c.rules) out += `${printRule(c.name, e.rule)}\n`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// iptables -L -v -n

function padEnd(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

function padStart(s: string, w: number): string {
  return s.length >= w ? s : ' '.repeat(w - s.length) + s;
}

/** xtables_print_num: "%5llu " or K/M/G/T with "%4llu"; "%8llu " when exact; no padding in headers. */
export function printNum(n: number, exact: boolean, table = true): string {
  if (exact) return table ? `${padStart(String(n), 8)} ` : `${n} `;
  if (n <= 99999) return table ? `${padStart(String(n), 5)} ` : `${n} `;
  let v = Math.floor((n + 500) / 1000);
  for (const unit of ['K', 'M', 'G']) {
    if (v <= 9999) return table ? `${padStart(String(v), 4)}${unit} ` : `${v}${unit} `;
    v = Math.floor((v + 500) / 1000);
  }
  return table ? `${padStart(String(v), 4)}T ` : `${v}T `;
}

function addrColumn(a: Neg<Cidr> | undefined): string {
  if (!a) return ' ' + padEnd('0.0.0.0/0', 19) + ' ';
  const text = a.value.prefix === 32 ? ipv4ToString(a.value.base) : cidrToString(a.value);
  return (a.invert ? '!' : ' ') + padEnd(text, 19) + ' ';
}

function portsView(name: string, r: Neg<PortRange> | undefined): string {
  if (!r) return '';
  const v = r.value;
  const bang = r.invert ? '!' : '';
  return v.lo === v.hi ? ` ${name}:${bang}${v.lo}` : ` ${name}s:${bang}${v.lo}:${v.hi}`;
}

function matchView(m: Match): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
      return ` ${m.kind}${portsView('spt', m.sport)}${portsView('dpt', m.dport)}`;
    case 'conntrack':
      return `${m.ctstate.invert ? ' !' : ''} ctstate ${m.ctstate.value.join(',')}`;
    case 'physdev': {
      let s = ' PHYSDEV match';
      if (m.physdevIn) s += `${m.physdevIn.invert ? ' !' : ''} --physdev-in ${m.physdevIn.value}`;
      if (m.physdevOut) s += `${m.physdevOut.invert ? ' !' : ''} --physdev-out ${m.physdevOut.value}`;
      return s;
    }
    case 'comment':
      return ` /* ${m.comment} */`;
  }
}

function targetView(t: Target): string {
  switch (t.kind) {
    case 'REJECT':
      return ` reject-with ${t.with}`;
    case 'SNAT':
      return ` to:${natRange(t.to)}${t.random ? ' random' : ''}${t.randomFully ? ' random-fully' : ''}${t.persistent ? ' persistent' : ''}`;
    case 'DNAT':
      return ` to:${natRange(t.to)}${t.random ? ' random' : ''}${t.persistent ? ' persistent' : ''}`;
    case 'MASQUERADE':
      return `${t.ports ? ` masq ports: ${ports(t.ports, '-')}` : ''}${t.random ? ' random' : ''}${t.randomFully ? ' random-fully' : ''}`;
    case 'REDIRECT':
      return `${t.ports ? ` redir ports ${ports(t.ports, '-')}` : ''}${t.random ? ' random' : ''}`;
    default:
      return '';
  }
}

function targetName(t: Target | null): string {
  if (!t) return '';
  return t.kind === 'JUMP' ? t.chain : t.kind;
}

export interface ListOptions {
  chain?: string | undefined;
  verbose: boolean;
  exact: boolean;
}

function chainHeader(rs: Ruleset, table: TableName, c: Chain, o: ListOptions): string {
  let s = `Chain ${c.name}`;
  if (c.builtin) {
    s += ` (policy ${c.policy}`;
    if (o.verbose) s += ` ${printNum(c.pkts, o.exact, false)}packets, ${printNum(c.bytes, o.exact, false)}bytes`;
    s += ')\n';
  } else s += ` (${rs.references(table, c.name)} references)\n`;
  if (o.verbose) s += o.exact ? `${padStart('pkts', 8)} ${padStart('bytes', 10)} ` : `${padStart('pkts', 5)} ${padStart('bytes', 5)} `;
  s += `${padEnd('target', 9)}  prot opt`;
  if (o.verbose) s += ` ${padEnd('in', 6)} ${padEnd('out', 6)} `;
  s += ` ${padEnd('source', 19)}  ${padEnd('destination', 19)} \n`;
  return s;
}

function ruleLine(r: Rule, pkts: number, bytes: number, o: ListOptions): string {
  let s = '';
  if (o.verbose) s += printNum(pkts, o.exact) + printNum(bytes, o.exact);
  s += `${padEnd(targetName(r.target), 9)} `;
  s += (r.proto?.invert ? '!' : ' ') + padEnd(r.proto ? String(r.proto.value) : '0', 5);
  s += '-- ';
  if (o.verbose) {
    const iface = (n: Neg<string> | undefined): string => (n ? `${n.invert ? '!' : ''}${n.value}` : '*');
    s += ` ${padEnd(iface(r.inIface), 6)} ${padEnd(iface(r.outIface), 6)} `;
  }
  s += addrColumn(r.src) + addrColumn(r.dst);
  if (r.target?.kind === 'JUMP' && r.target.goto) s += '[goto] ';
  for (const m of r.matches) s += matchView(m);
  if (r.target) s += targetView(r.target);
  return s + '\n';
}

/** `iptables -t TABLE -L [CHAIN] [-v] -n [-x]`. */
export function listTable(rs: Ruleset, table: TableName, o: ListOptions): string {
  const chains = rs.chainsInOrder(table).filter((c) => o.chain === undefined || c.name === o.chain);
  return chains
    .map((c) => chainHeader(rs, table, c, o) + c.rules.map((e) => ruleLine(e.rule, e.pkts, e.bytes, o)).join(''))
    .join('\n');
}
