/**
 * How the canvas and the inspector name a Linux router's interfaces and sum up its NAT rules.
 * NICs are eth0, eth1, ... in document order; uplinks come after them (engine/model/kinds/routing.ts).
 */
import type { ResourceOf, Scenario } from '../../engine/model/scenario.ts';

export interface RouterIface {
  /** eth0, eth1, ... */
  readonly name: string;
  /** "10.0.1.4/24" (the first ipconfig; the prefix from its subnet, when the subnet exists). */
  readonly address: string;
  /** The NIC behind it; absent for an uplink. */
  readonly nic?: ResourceOf<'nic'>;
  /** "NIC r1-nic1" or "uplink (the Internet)". */
  readonly what: string;
  /** An uplink's further addresses (/32) and the addresses it answers ARP for. */
  readonly secondary?: readonly string[];
  readonly proxyArp?: readonly string[];
}

/** The prefix length of each NIC's subnet ("" when unknown), for addresses written as a.b.c.d/len. */
export function subnetPrefixLengths(doc: Scenario, nics: readonly ResourceOf<'nic'>[]): string[] {
  return nics.map((n) => {
    const s = doc.resources.find((r) => r.id === n.subnet);
    return s && s.kind === 'subnet' ? (s.addressPrefix.split('/')[1] ?? '') : '';
  });
}

export function routerIfaces(router: ResourceOf<'linuxRouter'>, nics: readonly ResourceOf<'nic'>[], prefixLengths: readonly string[]): RouterIface[] {
  const out: RouterIface[] = nics.map((nic, i) => {
    const ip = nic.ipConfigs[0]?.privateIp ?? '';
    const len = prefixLengths[i] ?? '';
    return { name: `eth${i}`, address: len ? `${ip}/${len}` : ip, nic, what: `NIC ${nic.name}` };
  });
  router.uplinks.forEach((u, k) =>
    out.push({ name: `eth${nics.length + k}`, address: `${u.address}/${u.prefix}`, what: 'uplink', secondary: u.secondaryAddresses ?? [], proxyArp: u.proxyArp ?? [] }),
  );
  return out;
}

const NAT_TARGETS = /(?:^|\s)-j\s+(SNAT|MASQUERADE|DNAT|REDIRECT)\b/;

function option(line: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)(!\\s+)?${name}\\s+(\\S+)`).exec(line);
  return m ? `${m[1] ? '!' : ''}${m[2]}` : undefined;
}

/** One NAT rule in a few words: "MASQUERADE out eth1", "SNAT 10.0.1.0/24 out eth1 → 203.0.113.5:40000-40007". */
export function natRuleHint(line: string): string | null {
  const m = NAT_TARGETS.exec(line);
  if (!m) return null;
  const target = m[1]!;
  const parts: string[] = [target];
  const src = option(line, '-s') ?? option(line, '--source');
  const dport = option(line, '--dport');
  const inIf = option(line, '-i');
  const outIf = option(line, '-o');
  if (src) parts.push(src);
  if (dport) parts.push(`:${dport}`);
  if (inIf) parts.push(`in ${inIf}`);
  if (outIf) parts.push(`out ${outIf}`);
  const to = option(line, '--to-source') ?? option(line, '--to-destination') ?? option(line, '--to-ports') ?? option(line, '--to');
  if (to) parts.push(`→ ${to}`);
  if (/\s--random-fully\b/.test(line)) parts.push('random-fully');
  else if (/\s--random\b/.test(line)) parts.push('random');
  return parts.join(' ');
}

/** The router's NAT rules summed up, in the order they are written. */
export function natHints(lines: readonly string[]): string[] {
  return lines.map(natRuleHint).filter((h): h is string => h !== null);
}
