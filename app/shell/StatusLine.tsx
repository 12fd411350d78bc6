/** The status line: refusals and errors (role="alert"), and confirmations (role="status"). */
import { memo, useEffect } from 'react';
import { clearStatus, useViewStore } from '../state/view-store.ts';

export const StatusLine = memo(function StatusLine() {
  const status = useViewStore((s) => s.status);
  useEffect(() => {
    if (!status || status.kind === 'error') return;
    const t = setTimeout(clearStatus, 6000);
    return () => clearTimeout(t);
  }, [status]);
  return (
    <div className="status-line">
      <div role="alert" aria-label="Problem" className="status status-error" hidden={status?.kind !== 'error'}>
        {status?.kind === 'error' && (
          <>
            <span>{status.text}</span>
            <button type="button" className="btn-small" aria-label="Dismiss message" onClick={clearStatus}>
              ×
            </button>
          </>
        )}
      </div>
      <div role="status" aria-label="Message" className="status status-info" hidden={status?.kind !== 'info'}>
        {status?.kind === 'info' ? status.text : ''}
      </div>
    </div>
  );
});
