import { describe, expect, it } from 'vitest';
import { ConntrackTable, IPS_ASSURED, IPS_SEEN_REPLY, type Conn } from './conntrack.ts';
import { formatConntrackEntry } from './conntrack-print.ts';
import { DEFAULT_TCP_TIMEOUTS, tcpStateName } from './tcp-conntrack.ts';
import { S, ping, tcp, udp } from './test-util.ts';
import type { NfPacket } from './types.ts';

const C = '10.0.0.2:40000';
const D = '192.0.2.9:80';

/** Sends a packet through conntrack and confirms a new entry, as POSTROUTING would. */
function send(ct: ConntrackTable, p: NfPacket, now: number): Conn | null {
  const r = ct.packetIn(p, now);
  if (r.kind !== 'tracked') return null;
  if (r.isNew) ct.confirm(r.conn, now);
  return r.conn;
}

function state(c: Conn): string {
  return c.tcp ? tcpStateName(c.tcp) : '';
}

function left(c: Conn, now: number): number {
  return Math.floor((c.deadline - now) / S);
}

describe('TCP state tracking (nf_conntrack_proto_tcp)', () => {
  it('follows a handshake, data and an active close, with each state timeout', () => {
    const ct = new ConntrackTable();
    const c = send(ct, tcp(C, D, 'S', { seq: 100 }), 0)!;
    expect([state(c), left(c, 0)]).toEqual(['SYN_SENT', 120]);
    send(ct, tcp(D, C, 'SA', { seq: 900, ack: 101 }), 1000);
    expect([state(c), left(c, 1000)]).toEqual(['SYN_RECV', 60]);
    expect(c.status & IPS_SEEN_REPLY).toBeTruthy();
    expect(c.status & IPS_ASSURED).toBe(0);
    send(ct, tcp(C, D, 'A', { seq: 101, ack: 901 }), 2000);
    expect([state(c), left(c, 2000)]).toEqual(['ESTABLISHED', 432000]);
    expect(c.status & IPS_ASSURED).toBeTruthy();
    send(ct, tcp(C, D, 'FA', { seq: 101, ack: 901 }), 3000);
    expect([state(c), left(c, 3000)]).toEqual(['FIN_WAIT', 120]);
    send(ct, tcp(D, C, 'A', { seq: 901, ack: 102 }), 4000);
    expect([state(c), left(c, 4000)]).toEqual(['CLOSE_WAIT', 60]);
    send(ct, tcp(D, C, 'FA', { seq: 901, ack: 102 }), 5000);
    expect([state(c), left(c, 5000)]).toEqual(['LAST_ACK', 30]);
    send(ct, tcp(C, D, 'A', { seq: 102, ack: 902 }), 6000);
    expect([state(c), left(c, 6000)]).toEqual(['TIME_WAIT', 120]);
  });

  it('does not renew SYN_SENT on a retransmitted SYN', () => {
    const ct = new ConntrackTable();
    const c = send(ct, tcp(C, D, 'S', { seq: 1 }), 0)!;
    send(ct, tcp(C, D, 'S', { seq: 1 }), 3 * S);
    expect(c.deadline).toBe(120 * S);
  });

  it('deletes the entry when the only reply is a RST, and RST later gives CLOSE (10 s)', () => {
    const ct = new ConntrackTable();
    send(ct, tcp(C, D, 'S', { seq: 1 }), 0);
    send(ct, tcp(D, C, 'RA', { seq: 0, ack: 2 }), 10);
    expect(ct.count).toBe(0);
    const c = send(ct, tcp(C, '192.0.2.9:81', 'S', { seq: 1 }), 0)!;
    send(ct, tcp('192.0.2.9:81', C, 'SA', { seq: 5, ack: 2 }), 10);
    send(ct, tcp(C, '192.0.2.9:81', 'R', { seq: 2 }), 20);
    expect([state(c), left(c, 20)]).toEqual(['CLOSE', 10]);
  });

  it('marks INVALID what cannot start a connection or is out of place', () => {
    const ct = new ConntrackTable();
    expect(ct.packetIn(tcp(C, D, 'SA'), 0).kind).toBe('invalid');
    expect(ct.packetIn(tcp(C, D, 'F'), 0).kind).toBe('invalid');
    expect(ct.packetIn(tcp(C, D, 'R'), 0).kind).toBe('invalid');
    send(ct, tcp(C, D, 'S', { seq: 1 }), 0);
    // An ACK from the client before any SYN/ACK.
    expect(ct.packetIn(tcp(C, D, 'A', { seq: 2, ack: 5 }), 1).kind).toBe('invalid');
    expect(ct.stats.invalid).toBe(4);
  });

  it('picks up a connection from a bare ACK (tcp_loose) with the 300 s cap until a reply', () => {
    const ct = new ConntrackTable();
    const c = send(ct, tcp(C, D, 'A', { seq: 50, ack: 60 }), 0)!;
    expect([state(c), left(c, 0)]).toEqual(['ESTABLISHED', 300]);
    const strict = new ConntrackTable({ tcpLoose: false });
    expect(strict.packetIn(tcp(C, D, 'A'), 0).kind).toBe('invalid');
  });

  it('reopens from TIME_WAIT: the old entry goes and the SYN makes a new one', () => {
    const ct = new ConntrackTable();
    const c = send(ct, tcp(C, D, 'S', { seq: 1 }), 0)!;
    send(ct, tcp(D, C, 'SA', { seq: 9, ack: 2 }), 1);
    send(ct, tcp(C, D, 'A', { seq: 2, ack: 10 }), 2);
    send(ct, tcp(C, D, 'FA', { seq: 2, ack: 10 }), 3);
    send(ct, tcp(D, C, 'FA', { seq: 10, ack: 3 }), 4);
    send(ct, tcp(C, D, 'A', { seq: 3, ack: 11 }), 5);
    expect(state(c)).toBe('TIME_WAIT');
    const again = ct.packetIn(tcp(C, D, 'S', { seq: 5000 }), 6);
    expect(again.kind === 'tracked' && again.isNew).toBe(true);
    expect(ct.count).toBe(0);
  });

  it('caps the timeout at 300 s after 3 retransmissions', () => {
    const ct = new ConntrackTable();
    const c = send(ct, tcp(C, D, 'S', { seq: 1 }), 0)!;
    send(ct, tcp(D, C, 'SA', { seq: 9, ack: 2 }), 1);
    send(ct, tcp(C, D, 'A', { seq: 2, ack: 10 }), 2);
    const data = tcp(C, D, 'PA', { seq: 2, ack: 10, payload: 100, window: 500 });
    for (let i = 0; i < 4; i++) send(ct, data, 10 + i);
    expect(left(c, 13)).toBe(DEFAULT_TCP_TIMEOUTS.max_retrans);
  });
});

describe('UDP and ICMP', () => {
  it('UDP: 30 s unreplied, stays 30 s within 2 s of creation, then a stream: 120 s and [ASSURED]', () => {
    const ct = new ConntrackTable();
    const c = send(ct, udp('10.0.0.2:5555', '192.0.2.9:53'), 0)!;
    expect(left(c, 0)).toBe(30);
    expect(formatConntrackEntry(c, 0)).toBe(
      'udp      17 30 src=10.0.0.2 dst=192.0.2.9 sport=5555 dport=53 [UNREPLIED] src=192.0.2.9 dst=10.0.0.2 sport=53 dport=5555 mark=0 use=1',
    );
    send(ct, udp('192.0.2.9:53', '10.0.0.2:5555'), 1 * S);
    expect([left(c, S), c.status & IPS_ASSURED]).toEqual([30, 0]);
    send(ct, udp('10.0.0.2:5555', '192.0.2.9:53'), 3 * S);
    expect(left(c, 3 * S)).toBe(120);
    expect(c.status & IPS_ASSURED).toBeTruthy();
  });

  it('ICMP echo: 30 s, the reply finds the entry, a lone echo reply is INVALID', () => {
    const ct = new ConntrackTable();
    const c = send(ct, ping('10.0.0.2', '192.0.2.9', 4660), 0)!;
    send(ct, ping('192.0.2.9', '10.0.0.2', 4660, 0), 5);
    expect(formatConntrackEntry(c, 0)).toBe(
      'icmp     1 30 src=10.0.0.2 dst=192.0.2.9 type=8 code=0 id=4660 src=192.0.2.9 dst=10.0.0.2 type=0 code=0 id=4660 mark=0 use=1',
    );
    expect(ct.packetIn(ping('192.0.2.9', '10.0.0.2', 7, 0), 0).kind).toBe('invalid');
  });
});

describe('expiry and limits', () => {
  it('nextDeadline() is the earliest deadline; expire(now) removes exactly the expired entries', () => {
    const ct = new ConntrackTable();
    send(ct, udp('10.0.0.2:1', '192.0.2.9:53'), 0);
    send(ct, ping('10.0.0.2', '192.0.2.9', 1), 5 * S);
    send(ct, tcp(C, D, 'S', { seq: 1 }), 0);
    expect(ct.nextDeadline()).toBe(30 * S);
    expect(ct.expire(30 * S - 1)).toHaveLength(0);
    expect(ct.expire(30 * S).map((c) => c.tuple[0].proto)).toEqual([17]);
    expect(ct.nextDeadline()).toBe(35 * S);
    // Refreshing moves the deadline later; the stale heap entry is skipped.
    send(ct, ping('10.0.0.2', '192.0.2.9', 1), 20 * S);
    expect(ct.nextDeadline()).toBe(50 * S);
    expect(ct.expire(200 * S)).toHaveLength(2);
    expect(ct.nextDeadline()).toBe(Infinity);
  });

  it('lookups ignore expired entries even before expire() runs', () => {
    const ct = new ConntrackTable();
    send(ct, udp('10.0.0.2:1', '192.0.2.9:53'), 0);
    const r = ct.packetIn(udp('10.0.0.2:1', '192.0.2.9:53'), 31 * S);
    expect(r.kind === 'tracked' && r.isNew).toBe(true);
  });

  it('nf_conntrack_max: evicts an entry that is not [ASSURED], else drops', () => {
    const ct = new ConntrackTable({ max: 2 });
    send(ct, udp('10.0.0.2:1', '192.0.2.9:53'), 0);
    send(ct, udp('10.0.0.2:2', '192.0.2.9:53'), 0);
    const third = ct.packetIn(udp('10.0.0.2:3', '192.0.2.9:53'), 0);
    expect(third.kind).toBe('tracked');
    expect(ct.stats.early_drop).toBe(1);
    const full = new ConntrackTable({ max: 1 });
    const c = send(full, tcp(C, D, 'S', { seq: 1 }), 0)!;
    send(full, tcp(D, C, 'SA', { seq: 1, ack: 2 }), 0);
    send(full, tcp(C, D, 'A', { seq: 2, ack: 2 }), 0);
    expect(c.status & IPS_ASSURED).toBeTruthy();
    expect(full.packetIn(udp('10.0.0.2:3', '192.0.2.9:53'), 0).kind).toBe('full');
  });

  it('confirm refuses an entry whose tuple another entry holds (insert_failed)', () => {
    const ct = new ConntrackTable();
    const a = ct.packetIn(tcp(C, D, 'S', { seq: 1 }), 0);
    const b = ct.packetIn(tcp(C, D, 'S', { seq: 1 }), 0);
    if (a.kind !== 'tracked' || b.kind !== 'tracked') throw new Error('not tracked');
    expect(ct.confirm(a.conn, 0).ok).toBe(true);
    expect(ct.confirm(b.conn, 0).ok).toBe(false);
    expect(ct.stats.insert_failed).toBe(1);
    // The same race for UDP resolves to the confirmed entry (clash resolution).
    const u1 = ct.packetIn(udp('10.0.0.2:9', '192.0.2.9:53'), 0);
    const u2 = ct.packetIn(udp('10.0.0.2:9', '192.0.2.9:53'), 0);
    if (u1.kind !== 'tracked' || u2.kind !== 'tracked') throw new Error('not tracked');
    ct.confirm(u1.conn, 0);
    const r = ct.confirm(u2.conn, 0);
    expect(r.ok && r.conn).toBe(u1.conn);
  });
});
