/**
 * Big-endian (network order) reads and writes on a Uint8Array. Plain byte arithmetic rather than
 * a DataView so that emitting into a caller's buffer allocates nothing. Callers check lengths
 * first: these do no bounds checks of their own.
 */

export function readU16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * Copies `src` into `dst` at `at`. For the few bytes of options and short payloads a loop beats
 * TypedArray.prototype.set, whose call overhead dominates at these sizes; an empty source costs
 * nothing.
 */
export function copyBytes(src: Uint8Array, dst: Uint8Array, at: number): void {
  const n = src.length;
  if (n > 64) {
    dst.set(src, at);
    return;
  }
  for (let i = 0; i < n; i++) dst[at + i] = src[i]!;
}

/** Zeroes [start, end) of `b` (usually 0-3 bytes of padding). */
export function zeroBytes(b: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) b[i] = 0;
}
