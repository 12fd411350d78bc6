/**
 * A generated scenario for the performance test: `vms` VMs in one subnet (default outbound
 * access), each opening `perVm` TCP connections (held open) to one server on the Internet.
 */
export function perfScenario(vms: number, perVm: number, intervalMs = 1): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [
    { id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] },
    { id: 'subnet', kind: 'subnet', name: 'subnet', vnet: 'vnet', addressPrefix: '10.0.0.0/20' },
    { id: 'web', kind: 'internetHost', name: 'web', address: '13.71.134.177', services: [{ type: 'tcp-accept', port: 80 }] },
  ];
  const traffic: Record<string, unknown>[] = [];
  const layout: Record<string, { x: number; y: number; width?: number; height?: number }> = {
    vnet: { x: 0, y: 0, width: 1300, height: 1000 },
    subnet: { x: 20, y: 40, width: 1260, height: 940 },
    web: { x: 1500, y: 400 },
  };
  for (let i = 0; i < vms; i++) {
    const id = `vm${i}`;
    resources.push({ id, kind: 'vm', name: id });
    resources.push({ id: `${id}-nic`, kind: 'nic', name: `${id}-nic`, vm: id, subnet: 'subnet', ipConfigs: [{ name: 'ipconfig1', privateIp: `10.0.${Math.floor((i + 4) / 256)}.${(i + 4) % 256}` }] });
    traffic.push({ id: `t${i}`, type: 'tcp', from: id, to: 'web:80', count: perVm, intervalMs, startMs: (i % 10) * 0.1 });
    layout[id] = { x: 20 + (i % 10) * 122, y: 40 + Math.floor(i / 10) * 88 };
  }
  return { netplay: 1, name: `Performance: ${vms} VMs × ${perVm} connections`, settings: { seed: 1, durationSeconds: 1.2 }, resources, traffic, layout };
}
