import { describe, expect, it } from 'vitest';
import { itemsOf, lineOfItems } from './LinesField.tsx';

describe('one item per line', () => {
  it('keeps non-blank lines, trimmed, and knows the line each came from', () => {
    const text = '-A FORWARD -j ACCEPT\n\n  -t nat -A POSTROUTING -o eth1 -j MASQUERADE  \n   \n-P FORWARD DROP';
    expect(itemsOf(text)).toEqual(['-A FORWARD -j ACCEPT', '-t nat -A POSTROUTING -o eth1 -j MASQUERADE', '-P FORWARD DROP']);
    // Item 1 (the nat rule) is on line 3 (index 2): its message goes there.
    expect(lineOfItems(text)).toEqual([0, 2, 4]);
    expect(itemsOf('')).toEqual([]);
  });
});
