/** Capture points in the document: Capture here, filters, and the Decode As rules a scenario implies. */
import { describe, expect, it } from 'vitest';
import { restoreScenario } from '../../../engine/model/restore.ts';
import { resetDocument, undo, useDocumentStore } from '../../state/document-store.ts';
import { useViewStore } from '../../state/view-store.ts';
import { galleryScenario } from '../../test/fixtures.ts';
import { canCapture, captureHere, removeCapture, scenarioDecodeAs, setCaptureFilter } from './capture-points.ts';
import { captureFilterError } from './CaptureFilterInput.tsx';

describe('capture points', () => {
  it('Capture here adds a point on a VM (one undo step) and opens the Capture tab; not on a VNet', () => {
    const doc = galleryScenario();
    resetDocument(doc);
    expect(canCapture(doc, 'vnet')).toBe(false);
    expect(captureHere('vnet')).toBeNull();
    const id = captureHere('vm-slb');
    expect(id).toMatch(/^cap-vm-slb-\d+$/);
    expect(useViewStore.getState().dockTab).toBe('capture');
    const after = useDocumentStore.getState().doc;
    expect(after.captures.at(-1)).toEqual({ id, node: 'vm-slb' });
    expect(restoreScenario(after).ok).toBe(true);
    undo();
    expect(useDocumentStore.getState().doc.captures).toEqual(doc.captures);
  });

  it('a filter is set, cleared and removed with its point; an invalid filter is an error in the document', () => {
    resetDocument(galleryScenario());
    const id = captureHere('nomupro')!;
    setCaptureFilter(id, 'tcp port 80');
    expect(useDocumentStore.getState().doc.captures.find((c) => c.id === id)?.filter).toBe('tcp port 80');
    setCaptureFilter(id, '');
    expect(useDocumentStore.getState().doc.captures.find((c) => c.id === id)).toEqual({ id, node: 'nomupro' });
    const bad = { ...useDocumentStore.getState().doc, captures: [{ id: 'x', node: 'nomupro', filter: 'port 70000' }] };
    const r = restoreScenario(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.message)).toContain("capture 'x' has a filter tcpdump would refuse: illegal port number 70000 > 65535 (at character 6)");
    removeCapture(id);
    expect(useDocumentStore.getState().doc.captures.some((c) => c.id === id)).toBe(false);
  });

  it('validates as typed with libpcap\'s reason and position', () => {
    expect(captureFilterError('')).toBeNull();
    expect(captureFilterError('host 10.0.0.1 and (tcp or udp)')).toBeNull();
    expect(captureFilterError('net 10.0.0.1/24')).toMatch(/non-network bits set in "10.0.0.1\/24" \(at character 5\)/);
  });

  it('Decode As from the scenario: its own rules and VXLAN on gateway LB tunnel ports', () => {
    const doc = galleryScenario();
    expect(scenarioDecodeAs(doc)).toEqual([]);
    const lb = { id: 'gwlb', kind: 'loadBalancer', name: 'gwlb', sku: 'Gateway', frontends: [], backendPools: [{ name: 'nvas', tunnelInterfaces: [{ type: 'Internal', protocol: 'VXLAN', port: 10800, identifier: 800 }, { type: 'External', protocol: 'VXLAN', port: 10801, identifier: 801 }] }] };
    const withGw = { ...doc, decodeAs: ['udp.port==4789,data'], resources: [...doc.resources, lb] } as unknown as typeof doc;
    expect(scenarioDecodeAs(withGw)).toEqual(['udp.port==4789,data', 'udp.port==10800,vxlan', 'udp.port==10801,vxlan']);
  });
});
