/**
 * Parsers in `engine/wire` never throw on bad bytes: they return a Result. Once a parser has
 * checked the length, no accessor can fail (the smoltcp discipline).
 */
export interface WireError {
  /** The layer that refused the bytes, e.g. "ipv4", "tcp". */
  readonly layer: string;
  /** Byte offset of the fault, relative to the buffer handed to the parser. */
  readonly offset: number;
  /** A sentence a person understands: what is wrong. */
  readonly message: string;
}

export type Result<T, E = WireError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = (layer: string, offset: number, message: string): { ok: false; error: WireError } => ({
  ok: false,
  error: { layer, offset, message },
});
