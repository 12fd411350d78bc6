/**
 * A large classic pcap for the capture performance spec, made without any tool: Ethernet frames of
 * TCP (handshakes, data, FIN), UDP and VXLAN on UDP 10800 carrying TCP, cycling over many
 * connections, with increasing microsecond timestamps. About 100 bytes a record, so 1,000,000
 * frames make a ~100 MB file.
 */
import { writeFileSync } from 'node:fs';

function eth(dst: number, src: number, type: number): number[] {
  return [2, 0, 0, 0, 0, dst, 2, 0, 0, 0, 0, src, type >> 8, type & 255];
}

function ipv4(proto: number, src: number, dst: number, payloadLen: number): number[] {
  const len = 20 + payloadLen;
  return [0x45, 0, len >> 8, len & 255, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 1, src >> 8, src & 255, 10, 2, dst >> 8, dst & 255];
}

function tcp(sport: number, dport: number, seq: number, ack: number, flags: number, payload: number): number[] {
  const h = [sport >> 8, sport & 255, dport >> 8, dport & 255, seq >>> 24, (seq >> 16) & 255, (seq >> 8) & 255, seq & 255, ack >>> 24, (ack >> 16) & 255, (ack >> 8) & 255, ack & 255, 0x50, flags, 0xfa, 0xf0, 0, 0, 0, 0];
  for (let i = 0; i < payload; i++) h.push(0x61 + (i % 26));
  return h;
}

function udp(sport: number, dport: number, payload: number[]): number[] {
  const len = 8 + payload.length;
  return [sport >> 8, sport & 255, dport >> 8, dport & 255, len >> 8, len & 255, 0, 0, ...payload];
}

/** The frame of step k of connection c (a 10-frame conversation). */
function frame(c: number, k: number): number[] {
  const a = 1 + (c % 250);
  const b = 1 + ((c >> 3) % 250);
  const sport = 20000 + (c % 40000);
  const kind = c % 5;
  if (kind === 4) {
    const dns = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x77, 0x77, 0x77, 7, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 3, 0x63, 0x6f, 0x6d, 0, 0, 1, 0, 1];
    const u = udp(sport, 53, dns);
    return [...eth(b, a, 0x0800), ...ipv4(17, a, b, u.length), ...u];
  }
  const flags = [0x02, 0x12, 0x10, 0x18, 0x10, 0x18, 0x10, 0x11, 0x11, 0x10][k]!;
  const fromClient = k % 2 === 0;
  const payload = flags === 0x18 ? 64 : 0;
  const t = fromClient ? tcp(sport, 80, 1000 + k * 24, k ? 5000 + k * 24 : 0, flags, payload) : tcp(80, sport, 5000 + k * 24, 1001 + k * 24, flags, payload);
  const inner = [...eth(b, a, 0x0800), ...(fromClient ? ipv4(6, a, b, t.length) : ipv4(6, b, a, t.length)), ...t];
  if (kind === 3) {
    const vx = udp(40000 + (c % 1000), 10800, [0x08, 0, 0, 0, 0, 0x03, 0x20, 0, ...inner]);
    return [...eth(9, 8, 0x0800), ...ipv4(17, 200, 201, vx.length), ...vx];
  }
  return inner;
}

/** Writes `frames` records to `path`; returns the file size. */
export function writeBigPcap(path: string, frames: number): number {
  const templates: Uint8Array[] = [];
  for (let c = 0; c < 2000; c++) for (let k = 0; k < 10; k++) templates.push(Uint8Array.from(frame(c, k)));
  let size = 24;
  for (let i = 0; i < frames; i++) size += 16 + templates[i % templates.length]!.length;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, 1, true);
  let o = 24;
  let us = 0;
  for (let i = 0; i < frames; i++) {
    const t = templates[i % templates.length]!;
    us += 7 + (i % 13);
    dv.setUint32(o, 1_767_225_600 + Math.floor(us / 1e6), true);
    dv.setUint32(o + 4, us % 1e6, true);
    dv.setUint32(o + 8, t.length, true);
    dv.setUint32(o + 12, t.length, true);
    buf.set(t, o + 16);
    o += 16 + t.length;
  }
  writeFileSync(path, buf);
  return size;
}
