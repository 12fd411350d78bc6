/** The Linux router and route table through the editing ops: create, connect, edges, delete, copy. */
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../engine/model/scenario.ts';
import { deriveEdges, deriveNodes } from '../../canvas/derive-flow.ts';
import { natHints, routerIfaces, subnetPrefixLengths } from '../../canvas/router-text.ts';
import { errorsOf, galleryScenario } from '../../test/fixtures.ts';
import { absoluteBox } from '../geometry.ts';
import { copyResources, pasteResources } from './clipboard.ts';
import { connect } from './connect.ts';
import { createResource } from './create.ts';
import { parseEndpoint } from './endpoints.ts';
import { deleteResources, removeReference } from './remove.ts';
import { findOfKind, nicsOf } from './resources.ts';

function must<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error((r as unknown as { reason: string }).reason);
  return r as Extract<T, { ok: true }>;
}

/** The gallery scenario with a second subnet and a Linux router dropped into 'default'. */
function withRouter(): Scenario {
  const base = galleryScenario();
  const vnet = absoluteBox(base, 'vnet')!;
  const sub = must(createResource(base, 'subnet', { x: vnet.x + 20, y: vnet.y + vnet.height - 30 })).doc;
  const box = absoluteBox(sub, 'default')!;
  return must(createResource(sub, 'linuxRouter', { x: box.x + 300, y: box.y + 150 })).doc;
}

describe('a Linux router from the palette', () => {
  it('is created inside a subnet with its eth0 NIC, IP forwarding on, and is valid', () => {
    const doc = withRouter();
    const router = findOfKind(doc, 'router1', 'linuxRouter');
    expect(router).toMatchObject({ ipForward: true, iptables: [], routes: [], uplinks: [] });
    const [nic] = nicsOf(doc, 'router1');
    expect(nic).toMatchObject({ subnet: 'default', enableIpForwarding: true, primary: true });
    expect(nic?.ipConfigs[0]?.privateIp).toBe('10.8.0.6');
    expect(errorsOf(doc)).toEqual([]);
    // A top-level node right of the VNet, its eth0 drawn as an edge from the subnet.
    const node = deriveNodes(doc, new Set(), new Map()).find((n) => n.id === 'router1');
    expect(node?.type).toBe('linuxRouter');
    expect(node?.parentId).toBeUndefined();
    const vnet = absoluteBox(doc, 'vnet')!;
    expect(node!.position.x).toBeGreaterThan(vnet.x + vnet.width);
    expect(deriveEdges(doc, new Set()).find((e) => e.target === 'router1')).toMatchObject({ source: 'default', targetHandle: `if:${nic!.id}` });
  });

  it('is refused outside a subnet', () => {
    const r = createResource(galleryScenario(), 'linuxRouter', { x: -900, y: -900 });
    expect(!r.ok && r.reason).toMatch(/Linux router.*inside a subnet/);
  });

  it('gets eth1 when a second subnet is connected to it, drawn as an edge to that subnet', () => {
    const doc = withRouter();
    const sub = doc.resources.find((r) => r.kind === 'subnet' && r.id !== 'default')!;
    const a = parseEndpoint('subnet', sub.id, 'natgw')!;
    const b = parseEndpoint('linuxRouter', 'router1', 'attach')!;
    const next = must(connect(doc, a, b)).doc;
    const nics = nicsOf(next, 'router1');
    expect(nics.map((n) => n.subnet)).toEqual(['default', sub.id]);
    expect(nics[1]).toMatchObject({ enableIpForwarding: true, primary: false });
    expect(errorsOf(next)).toEqual([]);
    const lengths = subnetPrefixLengths(next, nics);
    expect(routerIfaces(findOfKind(next, 'router1', 'linuxRouter')!, nics, lengths).map((f) => `${f.name} ${f.address}`)).toEqual([
      'eth0 10.8.0.6/24',
      `eth1 ${nics[1]!.ipConfigs[0]!.privateIp}/24`,
    ]);
    const edge = deriveEdges(next, new Set()).find((e) => e.target === 'router1' && e.source === sub.id);
    expect(edge).toMatchObject({ source: sub.id, sourceHandle: 'natgw', targetHandle: `if:${nics[1]!.id}` });
    // The same subnet twice is refused; deleting the edge removes eth1 (never eth0).
    expect(connect(next, a, b).ok).toBe(false);
    const without = removeReference(next, nics[1]!.id, ['subnet']);
    expect(nicsOf(without, 'router1').map((n) => n.id)).toEqual([nics[0]!.id]);
    expect(removeReference(without, nics[0]!.id, ['subnet'])).toBe(without);
  });

  it('is deleted with its NICs, and copied with new addresses', () => {
    const doc = withRouter();
    const gone = deleteResources(doc, ['router1']);
    expect(gone.resources.some((r) => r.id === 'router1' || (r.kind === 'nic' && r.vm === 'router1'))).toBe(false);
    const withUplink: Scenario = {
      ...doc,
      resources: doc.resources.map((r) => (r.kind === 'linuxRouter' ? { ...r, uplinks: [{ address: '203.0.113.5', prefix: 24, secondaryAddresses: [], proxyArp: [] }] } : r)),
    };
    const payload = copyResources(withUplink, ['router1'])!;
    expect(payload.resources.map((r) => r.kind)).toEqual(['linuxRouter', 'nic']);
    const pasted = pasteResources(withUplink, payload);
    const copy = pasted.doc.resources.find((r) => r.kind === 'linuxRouter' && r.id !== 'router1');
    expect(copy?.kind === 'linuxRouter' && copy.uplinks[0]?.address).not.toBe('203.0.113.5');
    expect(errorsOf(pasted.doc)).toEqual([]);
  });

  it('sums up its NAT rules for the canvas', () => {
    expect(
      natHints([
        '-t nat -A POSTROUTING -s 10.0.1.0/24 -o eth1 -j SNAT --to-source 203.0.113.5:40000-40007',
        '-A FORWARD -j ACCEPT',
        '-t nat -A POSTROUTING -o eth1 -j MASQUERADE --random-fully',
      ]),
    ).toEqual(['SNAT 10.0.1.0/24 out eth1 → 203.0.113.5:40000-40007', 'MASQUERADE out eth1 random-fully']);
  });
});

describe('a route table', () => {
  it('is created free-standing; a subnet connected to it names it, and the edge shows it', () => {
    const base = galleryScenario();
    const r = must(createResource(base, 'routeTable', { x: 1400, y: 0 }));
    expect(r.ids).toEqual(['rt1']);
    const next = must(connect(r.doc, parseEndpoint('routeTable', 'rt1', 'rt')!, parseEndpoint('subnet', 'default', 'natgw')!)).doc;
    expect(findOfKind(next, 'default', 'subnet')?.routeTable).toBe('rt1');
    expect(errorsOf(next)).toEqual([]);
    const edge = deriveEdges(next, new Set()).find((e) => e.target === 'rt1');
    expect(edge).toMatchObject({ source: 'default', targetHandle: 'rt', id: 'default::routeTable', className: 'edge-route-table' });
    const second = must(createResource(next, 'routeTable', { x: 1400, y: 200 }));
    const refused = connect(second.doc, { type: 'subnet', id: 'default' }, { type: 'routeTable', id: 'rt2' });
    expect(!refused.ok && refused.reason).toMatch(/at most one route table/);
    expect(findOfKind(removeReference(next, 'default', ['routeTable']), 'default', 'subnet')?.routeTable).toBeUndefined();
    expect(findOfKind(deleteResources(next, ['rt1']), 'default', 'subnet')?.routeTable).toBeUndefined();
  });

  it('is copied with the subnets that use it, which then use the copy', () => {
    const base = galleryScenario();
    const withRt = must(connect(must(createResource(base, 'routeTable', { x: 1400, y: 0 })).doc, { type: 'subnet', id: 'default' }, { type: 'routeTable', id: 'rt1' })).doc;
    const { doc } = pasteResources(withRt, copyResources(withRt, ['vnet', 'rt1'])!);
    const copied = doc.resources.find((r) => r.kind === 'subnet' && r.id !== 'default');
    expect(copied?.kind === 'subnet' && copied.routeTable).toBe('rt2');
  });
});
