/** After Share: the link, selectable, in case the clipboard was not available. */
import { memo } from 'react';
import { useViewStore } from '../state/view-store.ts';

export const ShareBox = memo(function ShareBox() {
  const url = useViewStore((s) => s.shareUrl);
  if (!url) return null;
  return (
    <div className="share-box" role="dialog" aria-label="Share link">
      <label htmlFor="share-url">Share link ({url.length} characters), copied to the clipboard</label>
      <input id="share-url" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
      <button type="button" className="btn-small" aria-label="Close share link" onClick={() => useViewStore.setState({ shareUrl: null })}>
        ×
      </button>
    </div>
  );
});
