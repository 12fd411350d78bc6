/**
 * A capture point's filter (tcpdump syntax), validated as you type: green when it compiles, red
 * with libpcap's reason and the position when it does not. Only a valid filter is written to the
 * document (on Enter or when the field loses focus), so the scenario never holds a broken one.
 */
import { useState } from 'react';
import { compileCaptureFilter } from '../../../engine/dissect/filter/index.ts';
import type { Capture } from '../../../engine/model/scenario.ts';
import { removeCapture, setCaptureFilter } from './capture-points.ts';

export function captureFilterError(text: string): string | null {
  if (!text.trim()) return null;
  const r = compileCaptureFilter(text);
  return r.ok ? null : `${r.error.message} (at character ${r.error.offset + 1})`;
}

export function CaptureFilterInput({ capture }: { capture: Capture }) {
  const [text, setText] = useState(capture.filter ?? '');
  const error = captureFilterError(text);
  const commit = () => {
    if (error === null && text !== (capture.filter ?? '')) setCaptureFilter(capture.id, text);
  };
  const state = !text.trim() ? '' : error ? ' invalid' : ' valid';
  return (
    <div className="cap-point" data-capture={capture.id}>
      <span className="cap-point-name" title={`capture point ${capture.id} on ${capture.node}`}>
        {capture.id}
      </span>
      <input
        className={`cap-filter-input${state}`}
        value={text}
        placeholder="tcpdump filter"
        aria-label={`Capture filter of ${capture.id}`}
        aria-invalid={error !== null}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      <button type="button" className="btn-small" aria-label={`Remove capture point ${capture.id}`} onClick={() => removeCapture(capture.id)}>
        ✕
      </button>
      {error && (
        <span className="cap-filter-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
