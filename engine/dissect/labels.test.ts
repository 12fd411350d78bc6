import { describe, expect, it } from 'vitest';
import { FIELD_TYPES } from './filter/index.ts';
import { dissect, dissectFields, DissectSession, fieldsByName } from './index.ts';
import { labelCorpusLines, readLabelSnapshot } from './test-util-labels.ts';
import { FIXTURE_NAMES, fixtureDecodeAs, loadFixture } from './test-util.ts';

describe('lazy labels', () => {
  it('equal the eager labels recorded before they became lazy, for every layer and field of the corpus', () => {
    const want = readLabelSnapshot();
    const got = labelCorpusLines();
    const diffs: string[] = [];
    let frame = '';
    for (let i = 0; i < Math.max(want.length, got.length) && diffs.length < 20; i++) {
      if (want[i]?.startsWith('## ')) frame = want[i]!;
      if (want[i] !== got[i]) diffs.push(`${frame}\n  want ${String(want[i])}\n  got  ${String(got[i])}`);
    }
    expect(diffs).toEqual([]);
    expect(got.length).toBe(want.length);
    expect(want.length).toBeGreaterThan(50_000);
  });
});

describe('filter fast path', () => {
  it('dissectFields(names) equals fieldsByName(dissect(...), names) for every registry name, alone and together', () => {
    const all = [...FIELD_TYPES.keys()];
    const sets: Array<ReadonlySet<string>> = [new Set(all), new Set(['_ws.malformed', 'tcp.port']), new Set(['ip.version']), new Set(['tcp.port', 'ip.src'])];
    for (const n of all) sets.push(new Set([n]));
    const problems: string[] = [];
    let compared = 0;
    for (const name of FIXTURE_NAMES) {
      const frames = loadFixture(name);
      const cuts = frames.flatMap((f) => [f, { data: f.data.subarray(0, 40), linkType: f.linkType }]);
      for (const [k, names] of sets.entries()) {
        const some = k < 4 ? cuts : cuts.filter((_, i) => i % 7 === 0);
        const s1 = new DissectSession();
        const s2 = new DissectSession();
        some.forEach((fr, i) => {
          const want = fieldsByName(dissect(fr.data, fr.linkType, fixtureDecodeAs(), { session: s1, frameNumber: i + 1 }), names);
          const got = dissectFields(fr.data, fr.linkType, fixtureDecodeAs(), names, { session: s2, frameNumber: i + 1 });
          const a = JSON.stringify([...want].map(([k, v]) => [k, v.map((f) => String(f.value))]));
          const b = JSON.stringify([...got].map(([k, v]) => [k, v.map((f) => String(f.value))]));
          compared++;
          if (a !== b && problems.length < 10) problems.push(`${name}#${i + 1} [${[...names].slice(0, 3).join(',')}]: ${a} != ${b}`);
        });
      }
    }
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(10_000);
  });
});
