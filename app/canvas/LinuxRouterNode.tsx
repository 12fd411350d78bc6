import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useDocumentStore } from '../state/document-store.ts';
import { handleIds } from '../state/ops/endpoints.ts';
import type { ResourceNode } from './derive-flow.ts';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';
import { natHints, routerIfaces, subnetPrefixLengths } from './router-text.ts';
import './routing.css';

/**
 * A Linux router: its interfaces (eth0, eth1, ... for its NICs, then its uplinks), how many
 * iptables rules it has and a hint of its NAT rules. Connecting a subnet to the handle on its
 * left gives it another interface in that subnet.
 */
export const LinuxRouterNode = memo(function LinuxRouterNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  // A string, so the node re-renders only when a prefix length it shows changes.
  const lengths = useDocumentStore((s) => subnetPrefixLengths(s.doc, data.nics).join(','));
  if (r.kind !== 'linuxRouter') return null;
  const ifaces = routerIfaces(r, data.nics, lengths.split(','));
  const rules = r.iptables.length;
  const hints = natHints(r.iptables);
  return (
    <NodeBox kind="router" selected={selected}>
      <Handle
        type="source"
        id={handleIds.routerAttach}
        position={Position.Left}
        className="handle handle-router"
        style={{ top: 14 }}
        aria-label={`Linux router ${r.name}: connect a subnet to add an interface`}
        title="Connect a subnet here to add an interface"
      />
      <NodeHeader
        icon="linuxRouter"
        name={r.name}
        errors={data.errors}
        sub={`Linux router · ${rules} iptables rule${rules === 1 ? '' : 's'}${r.ipForward ? '' : ' · ip_forward=0'}`}
      />
      <ul className="node-rows" aria-label={`interfaces of ${r.name}`}>
        {ifaces.map((f) => (
          <li key={f.name} className="node-row">
            {f.nic && (
              <Handle
                type="source"
                id={handleIds.routerIf(f.nic.id)}
                position={Position.Left}
                className="handle handle-router"
                aria-label={`${r.name} ${f.name}: its subnet`}
              />
            )}
            <span className="row-label mono">{f.name}</span>
            <span className="row-value mono">{f.address}</span>
            {f.nic === undefined && (
              <span className="node-tag" title={[...(f.secondary ?? []).map((a) => `${a}/32`), ...(f.proxyArp ?? []).map((a) => `proxy ARP ${a}`)].join(', ') || 'on the Internet'}>
                uplink{f.secondary?.length || f.proxyArp?.length ? ` +${(f.secondary?.length ?? 0) + (f.proxyArp?.length ?? 0)}` : ''}
              </span>
            )}
            {f.nic?.ipConfigs[0]?.publicIp !== undefined && <span className="node-tag">PIP</span>}
            {f.nic && (
              <Handle
                type="source"
                id={handleIds.ipc(f.nic.id, 0)}
                position={Position.Right}
                className="handle handle-nic"
                aria-label={`${r.name} ${f.name} NIC ${f.nic.name} ${f.nic.ipConfigs[0]?.privateIp ?? ''}`}
              />
            )}
          </li>
        ))}
        {ifaces.length === 0 && <li className="node-empty">no interface</li>}
      </ul>
      {hints.length > 0 && (
        <>
          <div className="node-section">NAT</div>
          <ul className="node-rows" aria-label={`NAT rules of ${r.name}`}>
            {hints.slice(0, 3).map((h, i) => (
              <li key={i} className="node-row router-nat mono" title={h}>
                {h}
              </li>
            ))}
            {hints.length > 3 && <li className="node-foot">and {hints.length - 3} more</li>}
          </ul>
        </>
      )}
    </NodeBox>
  );
});
