/**
 * Immutable edits by JSON path, for the inspector and the reference operations. The document is
 * plain JSON, so a path of keys and indexes reaches every field.
 */
export type Path = readonly (string | number)[];

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getIn(obj: Json, path: Path): Json {
  let cur = obj;
  for (const p of path) {
    if (Array.isArray(cur) && typeof p === 'number') cur = cur[p];
    else if (isRecord(cur) && typeof p === 'string') cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** A copy of `obj` with the value at `path` replaced; `undefined` removes an object key. */
export function setIn<T>(obj: T, path: Path, value: Json): T {
  return setAny(obj, path, value) as T;
}

function setAny(obj: Json, path: Path, value: Json): Json {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(obj) && typeof head === 'number') {
    const copy = obj.slice();
    copy[head] = setAny(obj[head], rest, value);
    return copy;
  }
  const rec: Record<string, Json> = isRecord(obj) ? { ...obj } : {};
  const key = String(head);
  const next = setAny(rec[key], rest, value);
  if (next === undefined) delete rec[key];
  else rec[key] = next;
  return rec;
}

/** Removes the value at `path`: an array element is spliced out, an object key deleted. */
export function removeIn<T>(obj: T, path: Path): T {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = getIn(obj, parentPath);
  if (Array.isArray(parent) && typeof last === 'number') {
    return setIn(obj, parentPath, parent.filter((_, i) => i !== last));
  }
  return setIn(obj, path, undefined);
}

/** Sorts paths so that removing them one by one never shifts an index still to be removed. */
export function removalOrder(paths: Path[]): Path[] {
  return [...paths].sort((a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return y - x;
      return String(y).localeCompare(String(x));
    }
    return 0;
  });
}
