/**
 * Property tests over random sequences of acquire / packet / advance-time / release: the NAT
 * invariant, reply and original lookups, used ≤ allocated, ports inside the owner's blocks,
 * EIM/ADM consistency, timers, and that an acquire fails only when no port could serve it.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Rng } from '../../sim/rng.ts';
import { ALLOC_DESTINATION_LIMIT, ALLOC_EIM_CONFLICT, ALLOC_EXHAUSTED, allocate, type AllocationPolicy } from './allocate.ts';
import { AzureLbSnat } from './azure-lb.ts';
import { PortInventory } from './inventory.ts';
import { SnatTable } from './table.ts';
import { MODE_ADM, MODE_APDM, MODE_EIM, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type MappingInfo, type SnatTimers } from './types.ts';

const PUB = [0x14000001, 0x14000002];
const PRIV = [0x0a000004, 0x0a000005, 0x0a000006, 0x0a000007];
const DST = [0x0d000001, 0x0d000002, 0x0d000003];
const DPORT = [80, 443];
const SPORT = [40000, 40001];
const FLAGS = [TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_FIN | TCP_ACK, TCP_RST];

type Op =
  | { t: 'acq'; owner: number; proto: number; priv: number; sport: number; dst: number; dport: number }
  | { t: 'pkt'; k: number; out: boolean; flags: number }
  | { t: 'adv'; dt: number }
  | { t: 'rm'; k: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('acq' as const), owner: fc.nat(1), proto: fc.constantFrom(PROTO_TCP, PROTO_UDP), priv: fc.nat(1), sport: fc.nat(1), dst: fc.nat(2), dport: fc.nat(1) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('pkt' as const), k: fc.nat(), out: fc.boolean(), flags: fc.constantFrom(...FLAGS) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('adv' as const), dt: fc.integer({ min: 1, max: 120 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rm' as const), k: fc.nat() }) },
);

function timers(reset: boolean, cool: boolean): SnatTimers {
  return {
    tcpSynSentUs: 50,
    tcpEstablishedUs: 100,
    tcpTransitoryUs: 60,
    tcpFinReleaseUs: 30,
    tcpRstReleaseUs: 20,
    tcpIdleCooldownUs: cool ? 25 : 0,
    udpIdleUs: 80,
    udpCooldownUs: cool ? 40 : 0,
    otherIdleUs: 50,
    tcpResetOnIdle: reset,
  };
}

const key = (...xs: number[]): string => xs.join('/');

/** A plain assertion: vitest's expect is too slow for the millions of checks here. */
function ok(cond: boolean, what: string): void {
  if (!cond) throw new Error(`invariant broken: ${what}`);
}
function eq(a: unknown, b: unknown, what: string): void {
  if (a !== b) throw new Error(`invariant broken: ${what}: ${String(a)} !== ${String(b)}`);
}

/** Checks every table-level invariant; returns the live mappings. */
function checkTable(table: SnatTable, now: number, invs: readonly PortInventory[]): MappingInfo[] {
  const ms = table.mappings();
  const replies = new Set<string>();
  const originals = new Set<string>();
  for (const m of ms) {
    const r = key(m.proto, m.pubIp, m.pubPort, m.dstIp, m.dstPort);
    ok(!replies.has(r), `NAT invariant: reply tuple ${r} twice`);
    replies.add(r);
    eq(table.replyHolder(m.proto, m.dstIp, m.dstPort, m.pubIp, m.pubPort), m.id, 'reply index');
    if (m.state === 'cooling') {
      eq(table.lookupReply(m.proto, m.dstIp, m.dstPort, m.pubIp, m.pubPort), -1, 'cooling mappings do not translate');
      continue;
    }
    const o = key(m.proto, m.privIp, m.privPort, m.dstIp, m.dstPort);
    ok(!originals.has(o), `original tuple ${o} twice`);
    originals.add(o);
    eq(table.lookupReply(m.proto, m.dstIp, m.dstPort, m.pubIp, m.pubPort), m.id, 'reply lookup returns the mapping');
    eq(table.lookupOriginal(m.proto, m.privIp, m.privPort, m.dstIp, m.dstPort), m.id, 'original lookup returns the mapping');
    ok(m.deadline > now, 'no mapping outlives its deadline');
  }
  ok(table.nextDeadline() > now, 'nextDeadline after expire');
  for (const inv of invs) {
    ok(inv.used <= inv.allocated, 'used ≤ allocated');
    const mine = ms.filter((m) => table.inventoryOf(m.id) === inv.id);
    let refs = 0;
    for (let s = 0; s < inv.n; s++) refs += inv.ref[s]!;
    eq(refs, mine.length, 'reference counts');
    const usedActive = new Set(mine.filter((m) => inv.isActive(table.slotOf(m.id))).map((m) => table.slotOf(m.id)));
    eq(inv.used, usedActive.size, 'used ports');
    for (const m of mine) {
      const s = table.slotOf(m.id);
      ok(inv.ip[s] === m.pubIp && inv.port[s] === m.pubPort, 'slot matches the public endpoint');
    }
  }
  return ms;
}

/** EIM: one public endpoint per private endpoint; ADM: per private endpoint and destination IP. */
function checkMapping(ms: readonly MappingInfo[], mode: number): void {
  if (mode === MODE_APDM) return;
  const byPriv = new Map<string, string>();
  const byPub = new Map<string, string>();
  for (const m of ms) {
    const d = mode === MODE_EIM ? 0 : m.dstIp;
    const priv = key(m.proto, m.privIp, m.privPort, d);
    const pub = key(m.proto, m.pubIp, m.pubPort, d);
    const p = byPriv.get(priv);
    if (p !== undefined) eq(p, pub, 'EIM/ADM consistency');
    byPriv.set(priv, pub);
    const q = byPub.get(pub);
    if (q !== undefined) eq(q, priv, 'one private endpoint per public endpoint');
    byPub.set(pub, priv);
  }
}

/** Could any active slot of `inv` have served the flow? (brute force over the mappings) */
function anySlotFree(ms: readonly MappingInfo[], inv: PortInventory, mode: number, limit: number, proto: number, dstIp: number, dstPort: number): boolean {
  for (let i = 0; i < inv.nActive; i++) {
    const s = inv.perm[i]!;
    const ip = inv.ip[s]!;
    const port = inv.port[s]!;
    const on = ms.filter((m) => m.proto === proto && m.pubIp === ip && m.pubPort === port);
    if (on.some((m) => m.dstIp === dstIp && m.dstPort === dstPort)) continue;
    if (mode === MODE_EIM && on.length > 0) continue;
    if (mode === MODE_ADM && on.some((m) => m.dstIp === dstIp)) continue;
    if (ms.filter((m) => m.proto === proto && m.pubIp === ip && m.dstIp === dstIp && m.dstPort === dstPort).length >= limit) continue;
    return true;
  }
  return false;
}

describe('core allocator and table, random sequences', () => {
  it('keeps every invariant (EIM, ADM, APDM; ordered and random picks; limits; cool-downs)', () => {
    fc.assert(
      fc.property(
        fc.record({ mode: fc.constantFrom(MODE_EIM, MODE_ADM, MODE_APDM), random: fc.boolean(), limit: fc.constantFrom(Infinity, 2), reset: fc.boolean(), cool: fc.boolean(), seed: fc.integer() }),
        fc.array(opArb, { maxLength: 80 }),
        (cfg, ops) => {
          const table = new SnatTable({ countDestinations: true, initialCapacity: 4 });
          const rng = new Rng(cfg.seed);
          const policy: AllocationPolicy = { mode: cfg.mode, random: cfg.random ? () => rng.nextFloat() : null, perDestinationLimit: cfg.limit };
          const profile = table.addProfile(timers(cfg.reset, cfg.cool));
          const invs: PortInventory[] = [];
          for (let o = 0; o < 2; o++) {
            for (const proto of [PROTO_TCP, PROTO_UDP]) {
              const inv = new PortInventory(proto, `owner${o}`);
              table.registerInventory(inv);
              // Owner 0: 3 ports on PUB[0]; owner 1: 2 on PUB[0] (other numbers) and 1 on PUB[1].
              inv.assign(o === 0 ? { ip: [PUB[0]!, PUB[0]!, PUB[0]!], port: [1024, 1025, 1026], fe: [0, 0, 0], length: 3 } : { ip: [PUB[0]!, PUB[0]!, PUB[1]!], port: [1032, 1033, 1024], fe: [0, 0, 1], length: 3 });
              invs.push(inv);
            }
          }
          const made = new Map<number, string>();
          let now = 0;
          for (const op of ops) {
            const live = table.mappings().filter((m) => m.state !== 'cooling');
            if (op.t === 'acq') {
              const inv = invs[op.owner * 2 + (op.proto === PROTO_TCP ? 0 : 1)]!;
              const privIp = PRIV[op.owner * 2 + op.priv]!;
              const before = table.mappings();
              const r = allocate(table, inv, policy, { proto: op.proto, privIp, privPort: SPORT[op.sport]!, dstIp: DST[op.dst]!, dstPort: DPORT[op.dport]!, profile, now });
              if (r >= 0) {
                const m = table.info(r);
                const k = key(m.pubIp, m.pubPort);
                if (made.has(r) && before.some((b) => b.id === r)) eq(made.get(r), k, 'a mapping keeps its public endpoint');
                made.set(r, k);
              } else {
                ok([ALLOC_EXHAUSTED, ALLOC_DESTINATION_LIMIT, ALLOC_EIM_CONFLICT].includes(r), 'failure code');
                const bound = before.some((m) => m.proto === op.proto && m.privIp === privIp && m.privPort === SPORT[op.sport] && (cfg.mode === MODE_EIM || (cfg.mode === MODE_ADM && m.dstIp === DST[op.dst])));
                if (!bound) ok(!anySlotFree(before, inv, cfg.mode, cfg.limit, op.proto, DST[op.dst]!, DPORT[op.dport]!), 'acquire fails only when no port could serve');
              }
            } else if (op.t === 'pkt' && live.length > 0) {
              const m = live[op.k % live.length]!;
              const f = m.proto === PROTO_TCP ? op.flags : 0;
              if (op.out) table.outbound(m.id, f, now);
              else table.inbound(table.lookupReply(m.proto, m.dstIp, m.dstPort, m.pubIp, m.pubPort), f, now);
            } else if (op.t === 'adv') {
              now += op.dt;
              const ev = table.expire(now);
              for (const e of ev) {
                ok(e.at <= now, 'expiry in the past');
                if (e.sendRst) ok(e.reason === 'idle' && e.mapping.state === 'established' && cfg.reset, 'RST only for established idle TCP under reset');
              }
            } else if (op.t === 'rm' && live.length > 0) {
              table.remove(live[op.k % live.length]!.id);
            }
            const ms = checkTable(table, now, invs);
            checkMapping(ms, cfg.mode);
          }
        },
      ),
      { numRuns: 2000 },
    );
  }, 120_000);
});

describe('Azure LB SNAT, random sequences with rule and pool changes', () => {
  type LbOp = Op | { t: 'ports'; ports: number } | { t: 'pool'; n: number };
  const lbOp: fc.Arbitrary<LbOp> = fc.oneof(
    { weight: 10, arbitrary: opArb },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('ports' as const), ports: fc.constantFrom(8, 16, 24) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('pool' as const), n: fc.integer({ min: 1, max: 3 }) }) },
  );
  const NAMES = ['vm0', 'vm1', 'vm2'];

  it('keeps the invariants, used ≤ allocated, and ports inside each instance’s blocks', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(lbOp, { maxLength: 80 }), (reset, ops) => {
        const lb = new AzureLbSnat({ name: 'ob', frontendIps: [PUB[0]!, PUB[1]!], protocol: 'All', allocatedOutboundPorts: 8, idleTimeoutInMinutes: 4, enableTcpReset: reset }, NAMES);
        const t = lb.table;
        let now = 0;
        let changed = false;
        for (const op of ops) {
          const live = t.mappings();
          if (op.t === 'acq') {
            const name = NAMES[op.owner]!;
            const r = lb.acquire(name, op.proto, PRIV[op.owner]! + op.priv * 256, SPORT[op.sport]! + op.priv, DST[op.dst]!, DPORT[op.dport]!, now);
            if (!r.ok) ok(r.code === 'ports-exhausted' || r.code === 'no-allocation', r.message);
          } else if (op.t === 'pkt' && live.length > 0) {
            const m = live[op.k % live.length]!;
            if (op.out) t.outbound(m.id, m.proto === PROTO_TCP ? op.flags : 0, now);
            else t.inbound(m.id, m.proto === PROTO_TCP ? op.flags : 0, now);
          } else if (op.t === 'adv') {
            now += op.dt * 5_000_000;
            t.expire(now);
          } else if (op.t === 'rm' && live.length > 0) {
            t.remove(live[op.k % live.length]!.id);
          } else if (op.t === 'ports') {
            eq(lb.update({ allocatedOutboundPorts: op.ports }), null, 'update');
            changed = true;
          } else if (op.t === 'pool') {
            eq(lb.setInstances(NAMES.slice(0, op.n)), null, 'setInstances');
            changed = true;
          }
          const invs = NAMES.flatMap((n) => [lb.inventoryOf(n, PROTO_TCP)!, lb.inventoryOf(n, PROTO_UDP)!]);
          const ms = checkTable(t, now, invs);
          checkMapping(
            ms.filter((m) => m.proto === PROTO_UDP),
            MODE_ADM,
          );
          for (const name of lb.backendInstances) {
            const blocks = lb.blocksOf(name);
            eq(blocks.length * 8, lb.portsPerInstance, 'blocks × 8 = ports per instance');
            for (const proto of [PROTO_TCP, PROTO_UDP]) {
              const inv = lb.inventoryOf(name, proto)!;
              eq(inv.allocated, lb.portsPerInstance, 'allocated');
              for (const m of ms.filter((x) => x.owner === name && x.proto === proto)) {
                const inBlocks = blocks.some(([ip, p]) => ip === m.pubIp && m.pubPort >= p && m.pubPort < p + 8);
                // Without rule or pool changes a port is always inside the instance's blocks;
                // after one it may be a port awaiting removal.
                if (!changed) ok(inBlocks, 'port inside the instance blocks');
                else ok(inBlocks || !inv.isActive(t.slotOf(m.id)), 'port inside the blocks or awaiting removal');
              }
            }
          }
          // Blocks of different instances never overlap.
          const all = lb.backendInstances.flatMap((n) => lb.blocksOf(n).map(([ip, p]) => key(ip, p)));
          eq(new Set(all).size, all.length, 'blocks do not overlap');
        }
      }),
      { numRuns: 1000 },
    );
  }, 120_000);
});
