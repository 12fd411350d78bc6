/**
 * The display-filter bar (Wireshark syntax). As in Wireshark, the field turns green when the text
 * compiles and red when it does not, with tshark's sentence and where in the text the problem is;
 * Enter applies it (the capture worker filters, the list fills as matches are found).
 */
import { useEffect, useState } from 'react';
import { compileDisplayFilter } from '../../../engine/dissect/filter/index.ts';
import { applyFilter, setFilterError, useCaptureStore } from './capture-store.ts';

export function FilterBar() {
  const applied = useCaptureStore((s) => s.filterText);
  const error = useCaptureStore((s) => s.filterError);
  const [text, setText] = useState(applied);
  useEffect(() => setText(applied), [applied]);
  const onChange = (t: string) => {
    setText(t);
    if (!t.trim()) return setFilterError(null);
    const r = compileDisplayFilter(t);
    setFilterError(r.ok ? null : r.error);
  };
  const state = !text.trim() ? '' : error ? ' invalid' : ' valid';
  return (
    <div className="cap-filterbar">
      <form
        className="cap-filterform"
        onSubmit={(e) => {
          e.preventDefault();
          if (!error) void applyFilter(text);
        }}
      >
        <input
          className={`cap-display-filter${state}`}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          placeholder="Apply a display filter … (e.g. tcp.flags.syn == 1 && ip.addr == 10.0.0.4)"
          aria-label="Display filter"
          aria-invalid={error !== null}
          aria-describedby={error ? 'cap-filter-error' : undefined}
          spellCheck={false}
        />
        <button type="submit" className="btn-small" disabled={error !== null}>
          Apply
        </button>
        {applied && (
          <button type="button" className="btn-small" onClick={() => void applyFilter('')}>
            Clear
          </button>
        )}
        <Counts />
      </form>
      {error && (
        <div id="cap-filter-error" className="cap-filter-msg error" role="alert">
          {error.message}
          <span className="cap-filter-pos">
            {' '}
            at character {error.offset + 1}: <code>{text.slice(0, error.offset)}<mark>{text.slice(error.offset, error.offset + Math.max(1, error.length)) || ' '}</mark>{text.slice(error.offset + Math.max(1, error.length))}</code>
          </span>
        </div>
      )}
    </div>
  );
}

/** Wireshark's status-bar counts: packets, displayed, and the filter's progress while it runs. */
function Counts() {
  const status = useCaptureStore((s) => s.status);
  if (!status) return null;
  const progress = status.filter && status.filtered < status.frames ? Math.floor((status.filtered / Math.max(1, status.frames)) * 100) : null;
  return (
    <span className="cap-filter-msg cap-counts" aria-live="polite">
      Packets: {status.frames.toLocaleString('en-US')} · Displayed: {status.displayed.toLocaleString('en-US')}
      {status.frames ? ` (${((status.displayed / status.frames) * 100).toFixed(1)}%)` : ''}
      {progress !== null && <> · filtering… {progress}%</>}
    </span>
  );
}
