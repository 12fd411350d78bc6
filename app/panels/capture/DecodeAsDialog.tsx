/**
 * Decode As: which UDP ports are read as VXLAN (or as plain data), exactly tshark's
 * `-d udp.port==10800,vxlan`. Port 4789 is VXLAN by default (IANA); a rule to `data` turns that off.
 */
import { useEffect, useRef, useState } from 'react';
import { parseDecodeAsRule } from '../../../engine/dissect/index.ts';
import { setDecodeAs, useCaptureStore } from './capture-store.ts';

const NONE: readonly string[] = [];

interface RuleRow {
  port: string;
  decoder: 'vxlan' | 'data';
}

function toRows(rules: readonly string[]): RuleRow[] {
  return rules.flatMap((r) => {
    const p = parseDecodeAsRule(r);
    if (!p.ok) return [];
    const port = p.rule.port === p.rule.lastPort ? `${p.rule.port}` : `${p.rule.port}-${p.rule.lastPort}`;
    return [{ port, decoder: p.rule.decoder }];
  });
}

export function DecodeAsDialog() {
  const open = useCaptureStore((s) => s.decodeOpen);
  const status = useCaptureStore((s) => s.status);
  const current = status?.decodeAs ?? NONE;
  const ref = useRef<HTMLDialogElement>(null);
  const [rows, setRows] = useState<RuleRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setRows(toRows(current));
      setError(null);
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);
  const close = () => useCaptureStore.setState({ decodeOpen: false });
  const texts = rows.map((r) => `udp.port==${r.port.trim()},${r.decoder}`);
  const firstError = texts.map((t) => parseDecodeAsRule(t)).find((p) => !p.ok);
  const ok = async () => {
    const e = await setDecodeAs(texts);
    if (e) setError(e);
    else close();
  };
  return (
    <dialog ref={ref} className="cap-dialog" aria-label="Decode As" onClose={close}>
      <h2>Decode As</h2>
      <p className="cap-dialog-note">Like <code>tshark -d udp.port==10800,vxlan</code>: UDP on these ports (either side) is read as VXLAN, or as data.</p>
      <table>
        <thead>
          <tr>
            <th>Field</th>
            <th>Value</th>
            <th>Current</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>UDP port</td>
              <td>
                <input aria-label={`Port of rule ${i + 1}`} value={r.port} size={11} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, port: e.target.value } : x)))} />
              </td>
              <td>
                <select aria-label={`Decoder of rule ${i + 1}`} value={r.decoder} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, decoder: e.target.value === 'data' ? 'data' : 'vxlan' } : x)))}>
                  <option value="vxlan">VXLAN</option>
                  <option value="data">data</option>
                </select>
              </td>
              <td>
                <button type="button" className="btn-small" aria-label={`Remove rule ${i + 1}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="btn-small" onClick={() => setRows([...rows, { port: '10800', decoder: 'vxlan' }])}>
        + Add rule
      </button>
      {(error || (firstError && !firstError.ok)) && (
        <p className="cap-filter-msg error" role="alert">
          {error ?? (firstError && !firstError.ok ? firstError.error : '')}
        </p>
      )}
      <div className="cap-dialog-buttons">
        <button type="button" className="btn-small" onClick={close}>
          Cancel
        </button>
        <button type="button" className="btn-small primary" disabled={firstError !== undefined} onClick={() => void ok()}>
          OK
        </button>
      </div>
    </dialog>
  );
}
