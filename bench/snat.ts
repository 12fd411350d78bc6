/**
 * SNAT benchmark (issue 4 §8): an Azure LB outbound rule with 8 frontend IPs and 1,000 backend
 * instances at 512 ports each (8 × 64,000 / 1,000), filled to full use: 512,000 TCP mappings.
 * Measures acquire, reply lookup (the per-packet inbound path), original lookup (outbound path),
 * release, expiry, and the memory the table holds at full use.
 *
 * Budgets, and why:
 * - reply / original lookup ≥ 1M ops/s: one lookup per simulated packet; the simulator's own
 *   budget is well under 1M packets/s, so the table must never be the bottleneck.
 * - acquire ≥ 200k ops/s: once per new flow; a run that opens all 512,000 flows then spends
 *   under 3 s allocating.
 * - release ≥ 500k ops/s: once per closed flow (timer expiry), cheaper than acquire.
 * - memory ≤ 200 MB at 512,000 mappings: the engine runs in a browser worker next to the app.
 *
 * Rates are per CPU-second of this process (see cpuMs).
 * Standalone: `npx tsx bench/snat.ts` (add `node --expose-gc` via NODE_OPTIONS for steadier
 * memory figures).
 */
import { pathToFileURL } from 'node:url';
import { AzureLbSnat } from '../engine/net/snat/azure-lb.ts';
import { PROTO_TCP, TCP_ACK, TCP_SYN } from '../engine/net/snat/types.ts';
import type { Figure } from './run.ts';

const INSTANCES = 1000;
const FRONTENDS = 8;
const PORTS = 512;
const DST = 0x0d4786b1; // 13.71.134.177
const DPORT = 443;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

function memoryMb(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
}

/**
 * CPU time of this process in ms: the bench machine is shared (load average above the core
 * count is common), and wall-clock rates then measure the neighbours. CPU time does not.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function rate(ops: number, startMs: number): number {
  const s = (cpuMs() - startMs) / 1000;
  return ops / Math.max(s, 1e-9);
}

export async function benchSnat(): Promise<Figure[]> {
  gc();
  const memBefore = memoryMb();
  const fes = Array.from({ length: FRONTENDS }, (_, i) => (0x14000001 + i) >>> 0);
  const names = Array.from({ length: INSTANCES }, (_, i) => `vm${i}`);
  const setupStart = cpuMs();
  const lb = new AzureLbSnat({ name: 'outboundrule', frontendIps: fes, protocol: 'Tcp', allocatedOutboundPorts: PORTS, idleTimeoutInMinutes: 4, enableTcpReset: true }, names);
  const setupMs = cpuMs() - setupStart;
  const table = lb.table;
  const total = INSTANCES * PORTS;
  const ids = new Int32Array(total);
  const pubIp = new Uint32Array(total);
  const pubPort = new Uint16Array(total);
  const privIp = new Uint32Array(total);
  const privPort = new Uint16Array(total);

  // Acquire: every instance opens 512 connections to one destination: one port each, full use.
  let t0 = cpuMs();
  let k = 0;
  for (let i = 0; i < INSTANCES; i++) {
    const ip = (0x0a000004 + i) >>> 0;
    const name = names[i]!;
    for (let p = 0; p < PORTS; p++, k++) {
      const r = lb.acquire(name, PROTO_TCP, ip, 10000 + p, DST, DPORT, 0);
      if (!r.ok) throw new Error(r.message);
      ids[k] = r.id;
      pubIp[k] = r.pubIp;
      pubPort[k] = r.pubPort;
      privIp[k] = ip;
      privPort[k] = 10000 + p;
    }
  }
  const acquireRate = rate(total, t0);
  const full = lb.acquire('vm0', PROTO_TCP, 0x0a000004, 9999, DST, DPORT, 0);
  if (full.ok) throw new Error('expected exhaustion at full use');
  for (let i = 0; i < total; i++) table.inbound(ids[i]!, TCP_SYN | TCP_ACK, 1);
  gc();
  const memFull = memoryMb() - memBefore;
  const tableMb = table.byteLength / 2 ** 20;

  // Reply lookups in a scrambled order (cache-unfriendly, as packets of many flows interleave).
  const LOOKUPS = 4_000_000;
  let x = 12345;
  const order = new Int32Array(LOOKUPS);
  for (let i = 0; i < LOOKUPS; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    order[i] = x % total;
  }
  let check = 0;
  t0 = cpuMs();
  for (let i = 0; i < LOOKUPS; i++) {
    const j = order[i]!;
    check += table.lookupReply(PROTO_TCP, DST, DPORT, pubIp[j]!, pubPort[j]!);
  }
  const replyRate = rate(LOOKUPS, t0);
  t0 = cpuMs();
  for (let i = 0; i < LOOKUPS; i++) {
    const j = order[i]!;
    const id = table.lookupOriginal(PROTO_TCP, privIp[j]!, privPort[j]!, DST, DPORT);
    table.outbound(id, TCP_ACK, 2);
    check += id;
  }
  const outRate = rate(LOOKUPS, t0);
  if (check < 0) throw new Error('lookup missed');

  // Release: every mapping ends (as a FIN/RST release or an explicit close would).
  t0 = cpuMs();
  for (let i = 0; i < total; i++) table.remove(ids[i]!);
  const releaseRate = rate(total, t0);
  if (table.size !== 0) throw new Error('release left mappings');

  // Expiry: refill, then let every mapping idle out in one expire() call.
  for (let i = 0; i < INSTANCES; i++) for (let p = 0; p < PORTS; p++) lb.acquire(names[i]!, PROTO_TCP, (0x0a000004 + i) >>> 0, 10000 + p, DST, DPORT, 0);
  t0 = cpuMs();
  const expired = table.expire(10 * 60 * 1_000_000).length;
  const expireRate = rate(expired, t0);
  if (expired !== total) throw new Error(`expired ${expired} of ${total}`);

  const note = `${INSTANCES} instances × ${PORTS} ports on ${FRONTENDS} frontend IPs = ${total.toLocaleString('en-US')} mappings`;
  return [
    { bench: 'snat', metric: 'acquire', value: acquireRate, unit: 'ops/s', budget: { limit: 200_000, better: 'higher' }, note },
    { bench: 'snat', metric: 'reply lookup (inbound packet)', value: replyRate, unit: 'ops/s', budget: { limit: 1_000_000, better: 'higher' } },
    { bench: 'snat', metric: 'original lookup + outbound update', value: outRate, unit: 'ops/s', budget: { limit: 1_000_000, better: 'higher' } },
    { bench: 'snat', metric: 'release', value: releaseRate, unit: 'ops/s', budget: { limit: 500_000, better: 'higher' } },
    { bench: 'snat', metric: 'expire (idle, with RST reports)', value: expireRate, unit: 'ops/s' },
    { bench: 'snat', metric: 'memory at full use (heap + buffers)', value: memFull, unit: 'MB', budget: { limit: 200, better: 'lower' } },
    { bench: 'snat', metric: 'typed arrays held by the table', value: tableMb, unit: 'MB' },
    { bench: 'snat', metric: 'rule setup (1,000 instances)', value: setupMs, unit: 'ms CPU' },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of await benchSnat()) {
    const budget = f.budget ? ` (budget ${f.budget.better === 'higher' ? '≥' : '≤'} ${f.budget.limit.toLocaleString('en-US')})` : '';
    console.log(`${f.metric.padEnd(40)} ${Math.round(f.value).toLocaleString('en-US').padStart(12)} ${f.unit}${budget}${f.note ? `  ${f.note}` : ''}`);
  }
}
