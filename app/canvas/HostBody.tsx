/** The inside of a VM or NVA node: its NICs, their private IPs, and one handle per ipconfig. */
import { Handle, Position } from '@xyflow/react';
import type { ResourceOf } from '../../engine/model/scenario.ts';
import { handleIds } from '../state/ops/endpoints.ts';

export function HostNics({ nics }: { nics: readonly ResourceOf<'nic'>[] }) {
  if (!nics.length) return <div className="node-empty">no NIC: not on any network</div>;
  return (
    <ul className="node-rows" aria-label="network interfaces">
      {nics.map((nic) =>
        nic.ipConfigs.map((c, i) => (
          <li key={`${nic.id}:${i}`} className="node-row">
            <span className="row-label" title={`${nic.name} / ${c.name}`}>
              {nic.name}
              {nic.ipConfigs.length > 1 ? ` / ${c.name}` : ''}
            </span>
            <span className="row-value mono">{c.privateIp}</span>
            {c.publicIp !== undefined && <span className="node-tag">PIP</span>}
            <Handle
              type="source"
              id={handleIds.ipc(nic.id, i)}
              position={Position.Right}
              className="handle handle-nic"
              aria-label={`NIC ${nic.name} ${c.name} ${c.privateIp}`}
            />
          </li>
        )),
      )}
    </ul>
  );
}
