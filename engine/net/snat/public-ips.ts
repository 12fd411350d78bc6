/** Public IPs of a gateway: single addresses plus every address of its prefixes. */
import { cidrSize, type Cidr, type Ipv4Addr } from '../../wire/addr.ts';
import type { PortList } from './inventory.ts';

export function expandPublicIps(ips: readonly Ipv4Addr[], prefixes: readonly Cidr[] = []): Ipv4Addr[] {
  const out = [...ips];
  for (const c of prefixes) for (let i = 0; i < cidrSize(c); i++) out.push((c.base + i) >>> 0);
  return [...new Set(out)];
}

/** Every port from `first` to `last` of every IP, IP by IP. */
export function portRange(ips: readonly Ipv4Addr[], first: number, last: number): PortList {
  const per = last - first + 1;
  const n = ips.length * per;
  const ip = new Uint32Array(n);
  const port = new Uint16Array(n);
  const fe = new Uint16Array(n);
  let k = 0;
  ips.forEach((addr, i) => {
    for (let p = first; p <= last; p++, k++) {
      ip[k] = addr;
      port[k] = p;
      fe[k] = i;
    }
  });
  return { ip, port, fe, length: n };
}
