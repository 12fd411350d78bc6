import { describe, expect, it, vi } from 'vitest';
import { galleryScenario } from '../test/fixtures.ts';
import { AUTOSAVE_KEY, debounce, loadAutosave, saveNow } from './persistence.ts';

class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

describe('autosave', () => {
  it('saves and loads the document', () => {
    const s = new MemoryStorage();
    expect(loadAutosave(s)).toBeNull();
    const doc = galleryScenario();
    expect(saveNow(doc, s)).toBe(true);
    expect(loadAutosave(s)).toEqual(doc);
  });

  it('loads a draft with errors as it was left (an invalid edit is never lost)', () => {
    const s = new MemoryStorage();
    const doc = galleryScenario();
    const nic = doc.resources.find((r) => r.id === 'vm-slb-nic')!;
    const broken = { ...doc, resources: doc.resources.map((r) => (r === nic && r.kind === 'nic' ? { ...r, ipConfigs: [{ ...r.ipConfigs[0]!, privateIp: '10.8.0.999' }] } : r)) };
    saveNow(broken, s);
    expect(loadAutosave(s)).toEqual(broken);
  });

  it('ignores garbage in storage', () => {
    const s = new MemoryStorage();
    s.setItem(AUTOSAVE_KEY, '{"not":"a scenario"}');
    expect(loadAutosave(s)).toBeNull();
    s.setItem(AUTOSAVE_KEY, '<<<');
    expect(loadAutosave(s)).toBeNull();
  });

  it('debounces saves and flushes the last one', () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const d = debounce((v: number) => seen.push(v), 100);
    d.push(1);
    d.push(2);
    vi.advanceTimersByTime(150);
    d.push(3);
    d.flush();
    expect(seen).toEqual([2, 3]);
    vi.useRealTimers();
  });
});
