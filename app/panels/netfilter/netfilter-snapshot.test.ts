/** What the Netfilter tab is fed: the snapshot carries the routers' netfilter state only when asked. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../engine/api.ts';
import { galleryScenario } from '../../test/fixtures.ts';

describe('the snapshot for the Netfilter tab', () => {
  it('holds the Linux router only when asked for it, as iptables and conntrack print it', () => {
    const engine = new Engine();
    expect(engine.load(galleryScenario('linux-router-snat-8-ports')).ok).toBe(true);
    engine.advance(5_000_000, { maxEvents: 1_000_000 });
    expect(engine.snapshot().netfilter).toBeUndefined();
    const rows = engine.snapshot({ netfilter: true }).netfilter ?? [];
    expect(rows.map((r) => `${r.kind} ${r.node}`)).toEqual(['linuxRouter edge-router']);
    const [router] = rows;
    expect(router?.interfaces.map((i) => `${i.name} ${i.addresses.join(',')}`)).toEqual(['eth0 10.0.1.10/24', 'eth1 203.0.113.5/24']);
    expect(router?.conntrack).toHaveLength(8);
    expect(router?.conntrackStats.insertFailed).toBeGreaterThan(0);
    expect(router?.natTable).toContain('to:203.0.113.5:40000-40007');
  });

  it('is absent for a scenario without routers or NVAs', () => {
    const engine = new Engine();
    engine.load(galleryScenario());
    engine.advance(1_000_000);
    expect(engine.snapshot({ netfilter: true }).netfilter).toBeUndefined();
  });
});
