import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/api.ts';
import { restoreScenario } from '../../engine/model/restore.ts';
import { anchorPoint, borderToward, drawnIdOf, internetPoint } from './anchors.ts';
import { hopDetail, pathOf } from './hop-detail.ts';
import { PacketFeed, spanUs } from './packet-feed.ts';

const raw = JSON.parse(readFileSync(new URL('../../scenarios/outbound-ilpip-vs-standard-lb.json', import.meta.url), 'utf8')) as unknown;
const restored = restoreScenario(raw);
if (!restored.ok) throw new Error('gallery scenario invalid');
const doc = restored.scenario;

describe('packet feed', () => {
  it('keeps hops in visual order, shows one packet’s hops one after another, and keeps drops', () => {
    const e = new Engine();
    e.load(raw);
    const feed = new PacketFeed();
    const span = spanUs(1);
    feed.apply(e.advance(2_000_000, { maxEvents: 1e9 }), span);
    expect(feed.nodes).toContain('vm-ilpip');
    expect(feed.size).toBeGreaterThan(10);
    for (let i = feed.head + 1; i < feed.tail; i++) expect(feed.t[i]).toBeGreaterThanOrEqual(feed.t[i - 1]!);
    for (let i = feed.head; i < feed.tail; i++) expect(feed.start[i]).toBeGreaterThanOrEqual(feed.t[i]!);
    expect(feed.lowerBound(1050)).toBeGreaterThan(feed.head);
    // Packet 1's hops (SYN: vm → vnet → internet → server) are shown back to back.
    const starts = [];
    for (let i = feed.head; i < feed.tail; i++) if (feed.packet[i] === 1) starts.push(feed.start[i]!);
    expect(starts.length).toBe(3);
    expect(starts[1]! - starts[0]!).toBe(span);
    expect(feed.drops.length).toBeGreaterThan(0);
    feed.prune(1e12, span);
    expect(feed.size).toBe(0);
    // A jump restarts the feed with only the recent window.
    const restart = e.seek(2_100_000, 100_000);
    expect(restart.restart).toBe(true);
    feed.apply(restart, span);
    expect(feed.size).toBeGreaterThan(0);
    for (let i = feed.head; i < feed.tail; i++) expect(feed.t[i]).toBeGreaterThan(2_000_000);
  });
});

describe('anchors', () => {
  const drawn = (id: string) => ['vm-ilpip', 'vnet', 'vm-ilpip-pip', 'nomupro', 'lb'].includes(id);
  it('maps trace nodes to drawn nodes', () => {
    expect(drawnIdOf('vm-ilpip-nic', doc, drawn)).toBe('vm-ilpip');
    expect(drawnIdOf('vnet', doc, drawn)).toBe('vnet');
    expect(drawnIdOf('lb/LoadBalancerFrontEnd', doc, drawn)).toBe('lb');
    expect(drawnIdOf('nowhere', doc, drawn)).toBeNull();
  });
  it('reaches a container at the border facing the other end or the Internet', () => {
    const box = { x: 0, y: 0, width: 100, height: 50 };
    expect(borderToward(box, { x: 300, y: 25 })).toEqual({ x: 100, y: 25 });
    const internet = internetPoint([box], [{ x: 400, y: 0, width: 50, height: 50 }], [box]);
    expect(internet.x).toBe(250);
    expect(anchorPoint({ box, container: true }, { x: 10, y: 10 }, internet)).toEqual({ x: 100, y: 25 });
    expect(anchorPoint({ box, container: false }, internet, internet)).toEqual({ x: 50, y: 25 });
  });
});

describe('hop detail', () => {
  it('shows the ILPIP rewrite at the VNet fabric with in and out headers', () => {
    const e = new Engine();
    e.load(raw);
    e.advance(10_000, { maxEvents: 1e9 });
    const evs = e.packetEvents(1);
    expect(pathOf(evs)).toEqual(['vm-ilpip', 'vnet', 'internet', 'nomupro']);
    const d = hopDetail(evs, 'vnet');
    expect(d.in?.ip.src).toBe('10.8.0.4');
    expect(d.out?.ip.src).toBe('20.48.1.10');
    expect(d.changed.has('ip.src')).toBe(true);
    expect(d.changes.map((c) => c.kind)).toEqual(['rewrite']);
    expect(d.changes[0]?.node).toBe('vm-ilpip-pip');
    const start = hopDetail(evs, 'vm-ilpip');
    expect(start.in?.ip.src).toBe('10.8.0.4');
    expect(start.outTo).toBe('vnet');
  });
});
