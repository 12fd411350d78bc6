/**
 * Wireshark's "Decode As" for our one table, udp.port: which UDP ports carry VXLAN. IANA's 4789
 * is the default (as in Wireshark); Azure's gateway load balancer tunnels use 10800 and 10801,
 * which a scenario adds with the same text tshark's `-d` option takes.
 */
import type { DecodeAs, DecodeAsRule, UdpDecoder } from './types.ts';

export function defaultDecodeAs(): DecodeAs {
  return { udp: new Map<number, UdpDecoder>([[4789, 'vxlan']]) };
}

export type DecodeAsParse = { ok: true; rule: DecodeAsRule } | { ok: false; error: string };

const DECODERS: readonly UdpDecoder[] = ['vxlan', 'data'];

/** Parses 'udp.port==10800,vxlan' (also 'udp.port==10800-10801,vxlan'), exactly as `tshark -d`. */
export function parseDecodeAsRule(text: string): DecodeAsParse {
  const m = /^([a-z0-9_.]+)==(\d{1,5})(?:-(\d{1,5}))?,([A-Za-z0-9_.-]+)$/.exec(text.trim());
  if (!m) return { ok: false, error: `"${text}" is not a Decode-As rule; expected e.g. udp.port==10800,vxlan` };
  const [, table, first, last, proto] = m;
  if (table !== 'udp.port') return { ok: false, error: `Decode-As table "${table}" is not supported; only udp.port is` };
  const port = Number(first);
  const lastPort = last === undefined ? port : Number(last);
  if (port > 65535 || lastPort > 65535 || lastPort < port) return { ok: false, error: `bad port or range in "${text}" (0-65535, low-high)` };
  const decoder = DECODERS.find((x) => x === proto!.toLowerCase());
  if (!decoder) return { ok: false, error: `cannot decode udp.port as "${proto}"; supported: ${DECODERS.join(', ')}` };
  return { ok: true, rule: { table: 'udp.port', port, lastPort, decoder } };
}

/** A copy of `base` with the rules applied in order (a later rule overrides an earlier one). */
export function withDecodeAs(base: DecodeAs, ...rules: DecodeAsRule[]): DecodeAs {
  const udp = new Map(base.udp);
  for (const r of rules) for (let p = r.port; p <= r.lastPort; p++) udp.set(p, r.decoder);
  return { udp };
}
