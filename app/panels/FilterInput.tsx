/** A panel's search box: typing is kept locally and handed on 150 ms after the last key. */
import { useEffect, useState } from 'react';

export function FilterInput({ value, onCommit, label, placeholder }: { value: string; onCommit: (text: string) => void; label: string; placeholder: string }) {
  const [text, setText] = useState(value);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onCommit(text), 150);
    return () => clearTimeout(t);
  }, [text, value, onCommit]);
  return <input type="search" className="panel-filter" aria-label={label} placeholder={placeholder} value={text} onChange={(e) => setText(e.target.value)} />;
}
