/**
 * Ephemeral port choice, as Linux does it for connect() since 4.6 (net/ipv4/inet_hashtables.c,
 * __inet_hash_connect):
 *
 *   offset = (hint + port_offset) % remaining, made even; walk ports low+offset, +2, +2, ... (the
 *   parity of `low` first: "inet_csk_get_port() does the opposite choice"), wrapping inside the
 *   range; then the other parity. On success hint += i + 2.
 *
 * port_offset is secure_ipv4_port_ephemeral(saddr, daddr, dport): a keyed hash of the
 * destination, so one host's successive connections to one server take (nearly) consecutive even
 * ports, as in the seed's netstat (41276, 41280, 41282, ...). A port is usable when no listener or
 * bind() holds it and the 4-tuple is unique: ports are reused towards different destinations.
 */
import { mix32 } from '../sim/rng.ts';

export interface PortRange {
  readonly low: number;
  /** Inclusive, as in net.ipv4.ip_local_port_range. */
  readonly high: number;
}

/** The keyed hash Linux uses to spread destinations over the range (siphash there; fmix32 here). */
export function portOffset(secret: number, saddr: number, daddr: number, dport: number): number {
  return mix32(secret ^ mix32(saddr ^ mix32(daddr ^ mix32(dport + 0x9e3779b9))));
}

export interface PortPick {
  readonly port: number;
  /** How far the walk went (Linux's `i`), for the hint. */
  readonly i: number;
}

/**
 * Walks the range as __inet_hash_connect does; `taken(port)` says a port cannot be used.
 * `parity` 0 starts on the parity of `low` (connect), 1 on the other one (an explicit bind, as
 * inet_csk_get_port prefers). Returns null when every port is taken (EADDRNOTAVAIL).
 */
export function pickEphemeralPort(range: PortRange, offsetSeed: number, parity: 0 | 1, taken: (port: number) => boolean): PortPick | null {
  const r = walkEphemeralPorts(range.low, range.high, offsetSeed, parity, { portTaken: taken });
  return r < 0 ? null : { port: pickedPort(r), i: pickedWalk(r) };
}

/** What the walk asks about each port it tries (TcpStack answers itself: no closure or range object to fetch per connect). */
export interface PortCheck {
  portTaken(port: number): boolean;
}

/**
 * pickEphemeralPort without an object per connect: the range as numbers (`high` inclusive) and the
 * pick packed in one number (-1 for none).
 */
export function walkEphemeralPorts(low: number, highInclusive: number, offsetSeed: number, parity: 0 | 1, check: PortCheck): number {
  const high = highInclusive + 1;
  let remaining = high - low;
  if (remaining <= 0) return -1;
  if (remaining > 1) remaining &= ~1;
  let offset = offsetSeed % remaining;
  offset = (offset & ~1) | parity;
  for (let pass = 0; pass < 2; pass++) {
    let port = low + offset;
    for (let i = 0; i < remaining; i += 2, port += 2) {
      if (port >= high) port -= remaining;
      if (!check.portTaken(port)) return i * PORT_SPAN + port;
    }
    offset ^= 1;
    if (remaining <= 1) break;
  }
  return -1;
}

/** Ports are below 2^16: a packed pick is walk * 2^16 + port. */
const PORT_SPAN = 0x10000;

export function pickedPort(pick: number): number {
  return pick % PORT_SPAN;
}

/** How far the walk went (Linux's `i`), for the hint. */
export function pickedWalk(pick: number): number {
  return Math.floor(pick / PORT_SPAN);
}
