/**
 * TCP options: MSS (RFC 9293 §3.2), window scale and timestamps (RFC 7323 §2, §3), SACK-permitted
 * and SACK (RFC 2018 §2, §3). https://www.rfc-editor.org/rfc/rfc7323
 *
 * ```
 *  kind 0 EOL | kind 1 NOP | kind, length (whole option, >= 2), data ...
 *  MSS: 2,4,mss(16)   WS: 3,3,shift   SACK-permitted: 4,2   SACK: 5,2+8n,(left,right)(32,32)*n
 *  Timestamps: 8,10,value(32),echo(32)
 * ```
 *
 * Options are kept as named fields plus `unknown`. Without a `layout` they are written in the
 * order Linux writes them (tcp_options_write): MSS, SACK-permitted + timestamps (or NOP NOP
 * timestamps), NOP window scale, NOP NOP SACK-permitted, NOP NOP SACK blocks, then unknown
 * options, padded with zeros. Parse records the wire order in `layout` only when it differs from
 * that, so a repr built without a layout comes back from parse(emit(x)) unchanged and a captured
 * segment re-emits byte for byte. Options that would overflow the 40 bytes are not written.
 */
import { copyBytes, readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { fail, ok, type Result } from './result.ts';

export const TCP_MAX_OPTIONS_LENGTH = 40;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOptionKind = {
  Eol: 0,
  Nop: 1,
  Mss: 2,
  WindowScale: 3,
  SackPermitted: 4,
  Sack: 5,
  Timestamps: 8,
} as const;

/** One position in the options area, in wire order. Each "unknown" takes the next `unknown` entry. */
export type TcpOptionSlot = 'eol' | 'nop' | 'mss' | 'windowScale' | 'sackPermitted' | 'sack' | 'timestamps' | 'unknown';

export interface TcpOptions {
  mss?: number;
  /** The shift count (RFC 7323 §2.3); values above 14 are kept as sent. */
  windowScale?: number;
  /** true or absent. */
  sackPermitted?: boolean;
  /** Left and right edges (u32), 1 to 4 blocks. */
  sack?: [number, number][];
  timestamps?: { value: number; echo: number };
  /** Unrecognised options, and known kinds with an unexpected length or repeated, in wire order. */
  unknown: { kind: number; data: Uint8Array }[];
  /** Wire order, set by parse only when it differs from the default order (see the file header). */
  layout?: TcpOptionSlot[];
}

const KNOWN_KINDS: Readonly<Record<number, TcpOptionSlot>> = { 2: 'mss', 3: 'windowScale', 4: 'sackPermitted', 5: 'sack', 8: 'timestamps' };

/** Encoded length of one option, 0 when the repr does not carry it. */
function slotLength(o: TcpOptions, slot: TcpOptionSlot, unk: number): number {
  switch (slot) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return o.mss === undefined ? 0 : 4;
    case 'windowScale':
      return o.windowScale === undefined ? 0 : 3;
    case 'sackPermitted':
      return o.sackPermitted ? 2 : 0;
    case 'sack':
      return o.sack && o.sack.length > 0 ? 2 + 8 * Math.min(o.sack.length, 4) : 0;
    case 'timestamps':
      return o.timestamps ? 10 : 0;
    case 'unknown': {
      const u = o.unknown[unk];
      return u ? 2 + u.data.length : 0;
    }
  }
}

function writeSlot(o: TcpOptions, slot: TcpOptionSlot, unk: number, b: Uint8Array, at: number): void {
  switch (slot) {
    case 'eol':
      b[at] = 0;
      return;
    case 'nop':
      b[at] = 1;
      return;
    case 'mss':
      b[at] = 2;
      b[at + 1] = 4;
      writeU16(b, at + 2, o.mss!);
      return;
    case 'windowScale':
      b[at] = 3;
      b[at + 1] = 3;
      b[at + 2] = o.windowScale! & 0xff;
      return;
    case 'sackPermitted':
      b[at] = 4;
      b[at + 1] = 2;
      return;
    case 'sack': {
      const blocks = o.sack!;
      const n = Math.min(blocks.length, 4);
      b[at] = 5;
      b[at + 1] = 2 + 8 * n;
      for (let i = 0; i < n; i++) {
        writeU32(b, at + 2 + 8 * i, blocks[i]![0]);
        writeU32(b, at + 6 + 8 * i, blocks[i]![1]);
      }
      return;
    }
    case 'timestamps':
      b[at] = 8;
      b[at + 1] = 10;
      writeU32(b, at + 2, o.timestamps!.value);
      writeU32(b, at + 6, o.timestamps!.echo);
      return;
    case 'unknown': {
      const u = o.unknown[unk]!;
      b[at] = u.kind & 0xff;
      b[at + 1] = (2 + u.data.length) & 0xff;
      copyBytes(u.data, b, at + 2);
    }
  }
}

/**
 * Where options are laid out: a sink that only measures (buf null), writes (buf set) or records
 * the slots (slots set). One code path serves all three, so the length used to size a buffer is
 * always the length written.
 */
interface Sink {
  buf: Uint8Array | null;
  start: number;
  used: number;
  slots: TcpOptionSlot[] | null;
}

/** Places `nops` NOPs then the option, only if the option is present and all of it fits. */
function place(o: TcpOptions, s: Sink, nops: number, slot: TcpOptionSlot, unk = 0): boolean {
  const len = slotLength(o, slot, unk);
  if (len === 0 || s.used + nops + len > TCP_MAX_OPTIONS_LENGTH) return false;
  for (let i = 0; i < nops; i++) {
    if (s.buf) s.buf[s.start + s.used] = 1;
    if (s.slots) s.slots.push('nop');
    s.used++;
  }
  if (s.buf) writeSlot(o, slot, unk, s.buf, s.start + s.used);
  if (s.slots) s.slots.push(slot);
  s.used += len;
  return true;
}

/** Linux's order (tcp_options_write), then unknown options in order. */
function layOutDefault(o: TcpOptions, s: Sink): void {
  place(o, s, 0, 'mss');
  if (o.timestamps) {
    if (o.sackPermitted) {
      place(o, s, 0, 'sackPermitted');
      place(o, s, 0, 'timestamps');
    } else place(o, s, 2, 'timestamps');
  }
  place(o, s, 1, 'windowScale');
  if (!o.timestamps) place(o, s, 2, 'sackPermitted');
  place(o, s, 2, 'sack');
  for (let i = 0; i < o.unknown.length; i++) place(o, s, 0, 'unknown', i);
}

const SLOT_BIT: Readonly<Record<TcpOptionSlot, number>> = {
  eol: 0, nop: 0, mss: 1, windowScale: 2, sackPermitted: 4, sack: 8, timestamps: 16, unknown: 0,
};

/** Follows `layout`; options the layout does not mention follow, before a final EOL. */
function layOutGiven(o: TcpOptions, layout: readonly TcpOptionSlot[], s: Sink): void {
  let done = 0;
  let unk = 0;
  let eol = false;
  for (const slot of layout) {
    if (slot === 'eol') {
      eol = true;
      break;
    }
    if (slot === 'unknown') {
      if (unk < o.unknown.length) place(o, s, 0, 'unknown', unk++);
    } else if (slot === 'nop') {
      place(o, s, 0, 'nop');
    } else if ((done & SLOT_BIT[slot]) === 0 && place(o, s, 0, slot)) done |= SLOT_BIT[slot];
  }
  for (const slot of ['mss', 'sackPermitted', 'timestamps', 'windowScale', 'sack'] as const) {
    if ((done & SLOT_BIT[slot]) === 0) place(o, s, 0, slot);
  }
  while (unk < o.unknown.length) place(o, s, 0, 'unknown', unk++);
  if (eol) place(o, s, 0, 'eol');
}

function layOut(o: TcpOptions, s: Sink): void {
  if (o.layout) layOutGiven(o, o.layout, s);
  else layOutDefault(o, s);
}

const measureSink: Sink = { buf: null, start: 0, used: 0, slots: null };

/** Bytes the options take, padded to a multiple of 4 (at most 40). */
export function tcpOptionsLength(o: TcpOptions): number {
  measureSink.used = 0;
  layOut(o, measureSink);
  return (measureSink.used + 3) & ~3;
}

function defaultSlots(o: TcpOptions): TcpOptionSlot[] {
  const s: Sink = { buf: null, start: 0, used: 0, slots: [] };
  layOutDefault(o, s);
  // Zero padding reads back as End of Option List.
  if (s.used % 4 !== 0) s.slots!.push('eol');
  return s.slots!;
}

function sameSlots(a: readonly TcpOptionSlot[], b: readonly TcpOptionSlot[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads options in [start, end) of `b`. Malformed lengths fail (layer "tcp"); unknown kinds are kept. */
export function parseTcpOptions(b: Uint8Array, start: number, end: number): Result<TcpOptions> {
  const o: TcpOptions = { unknown: [] };
  const slots: TcpOptionSlot[] = [];
  let at = start;
  while (at < end) {
    const kind = b[at]!;
    if (kind === 0) {
      slots.push('eol');
      break;
    }
    if (kind === 1) {
      slots.push('nop');
      at++;
      continue;
    }
    if (at + 1 >= end) return fail('tcp', at, `option ${kind} has no length byte`);
    const len = b[at + 1]!;
    if (len < 2 || at + len > end) return fail('tcp', at + 1, `option ${kind} length ${len} does not fit the options area`);
    const slot = readKnown(o, kind, b, at, len);
    if (slot === 'unknown') o.unknown.push({ kind, data: b.slice(at + 2, at + len) });
    slots.push(slot);
    at += len;
  }
  if (!sameSlots(slots, defaultSlots(o))) o.layout = slots;
  return ok(o);
}

/** Fills the named field when the kind is known, the length right and the field still empty. */
function readKnown(o: TcpOptions, kind: number, b: Uint8Array, at: number, len: number): TcpOptionSlot {
  const slot = KNOWN_KINDS[kind];
  if (slot === 'mss' && len === 4 && o.mss === undefined) o.mss = readU16(b, at + 2);
  else if (slot === 'windowScale' && len === 3 && o.windowScale === undefined) o.windowScale = b[at + 2]!;
  else if (slot === 'sackPermitted' && len === 2 && !o.sackPermitted) o.sackPermitted = true;
  else if (slot === 'timestamps' && len === 10 && !o.timestamps) {
    o.timestamps = { value: readU32(b, at + 2), echo: readU32(b, at + 6) };
  } else if (slot === 'sack' && len > 2 && (len - 2) % 8 === 0 && !o.sack) {
    o.sack = [];
    for (let i = at + 2; i < at + len; i += 8) o.sack.push([readU32(b, i), readU32(b, i + 4)]);
  } else return 'unknown';
  return slot;
}

const writeSink: Sink = { buf: null, start: 0, used: 0, slots: null };

/** Writes the options at `offset` and returns the bytes written, before padding (at most 40). */
export function emitTcpOptions(o: TcpOptions, buf: Uint8Array, offset: number): number {
  writeSink.buf = buf;
  writeSink.start = offset;
  writeSink.used = 0;
  layOut(o, writeSink);
  writeSink.buf = null;
  return writeSink.used;
}
