/**
 * Writers for classic pcap and pcapng, streaming (PcapWriter, PcapngWriter: header() once, then
 * frame(f) per frame, each returning the bytes to append) and whole-file (writePcap, writePcapng).
 *
 * Arguments a file cannot represent (a negative or fractional timestamp, nanoseconds >= 1e9, an
 * original length shorter than the data, an unknown interface) are caller bugs: they throw
 * RangeError rather than produce a file Wireshark would refuse. Frames longer than the snaplen are
 * truncated to it, keeping their original length, as tcpdump does.
 */
import { BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, BYTE_ORDER_MAGIC, OPT_COMMENT, OPT_IF_DESCRIPTION, OPT_IF_NAME, OPT_IF_TSRESOL, OPT_SHB_USERAPPL, PCAP_MAGIC_NS, PCAP_MAGIC_US } from './parser.ts';
import { timeToTicks } from './timestamp.ts';
import { MAX_CAPTURED_LENGTH, type WriteFrame } from './types.ts';
import { encodeUtf8 } from '../wire/utf8.ts';

export interface PcapWriterOptions {
  linkType: number;
  /** Nanosecond magic 0xA1B23C4D instead of microseconds. */
  nanosecond?: boolean;
  /** 1..262144; default 262144. */
  snaplen?: number;
  bigEndian?: boolean;
}

export interface PcapngInterfaceSpec {
  linkType: number;
  name?: string;
  description?: string;
  /** 1..262144; default 262144. */
  snaplen?: number;
  /** Nanoseconds per tick, a power of ten from 1 to 1e9; default 1000 (µs, the pcapng default). */
  tsResolutionNs?: number;
}

export interface PcapngWriterOptions {
  bigEndian?: boolean;
  /** shb_userappl: the application that wrote the file. */
  userAppl?: string;
}

const pad4 = (n: number): number => (n + 3) & ~3;

function checkSnaplen(snaplen: number): number {
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > MAX_CAPTURED_LENGTH) {
    throw new RangeError(`snaplen ${snaplen} is not an integer in 1..${MAX_CAPTURED_LENGTH}`);
  }
  return snaplen;
}

/** Captured and original lengths of a frame under a snaplen. */
function frameLengths(f: WriteFrame, snaplen: number): { cap: number; orig: number } {
  const cap = Math.min(f.data.length, snaplen);
  const orig = f.originalLength ?? f.data.length;
  if (!Number.isInteger(orig) || orig < f.data.length || orig > 0xffffffff) {
    throw new RangeError(`original length ${orig} is not an integer from the data length ${f.data.length} to 2^32-1`);
  }
  return { cap, orig };
}

export class PcapWriter {
  private readonly le: boolean;
  private readonly nano: boolean;
  private readonly snaplen: number;
  private readonly linkType: number;

  constructor(opts: PcapWriterOptions) {
    this.le = !opts.bigEndian;
    this.nano = opts.nanosecond ?? false;
    this.snaplen = checkSnaplen(opts.snaplen ?? MAX_CAPTURED_LENGTH);
    if (!Number.isInteger(opts.linkType) || opts.linkType < 0 || opts.linkType > 0xffff) throw new RangeError(`link type ${opts.linkType} is not a u16`);
    this.linkType = opts.linkType;
  }

  /** The 24-byte file header. */
  header(): Uint8Array {
    const out = new Uint8Array(24);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, this.nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.le);
    dv.setUint16(4, 2, this.le);
    dv.setUint16(6, 4, this.le);
    // thiszone and sigfigs stay 0, as every modern writer leaves them.
    dv.setUint32(16, this.snaplen, this.le);
    dv.setUint32(20, this.linkType, this.le);
    return out;
  }

  /** One record: 16-byte header and the (possibly truncated) frame bytes. */
  frame(f: WriteFrame): Uint8Array {
    const { cap, orig } = frameLengths(f, this.snaplen);
    if (!Number.isInteger(f.tsSec) || f.tsSec < 0 || f.tsSec > 0xffffffff) throw new RangeError(`timestamp seconds ${f.tsSec} do not fit a classic pcap u32`);
    if (!Number.isInteger(f.tsNsec) || f.tsNsec < 0 || f.tsNsec >= 1e9) throw new RangeError(`timestamp nanoseconds ${f.tsNsec} are not an integer in 0..999999999`);
    const out = new Uint8Array(16 + cap);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, f.tsSec, this.le);
    dv.setUint32(4, this.nano ? f.tsNsec : Math.floor(f.tsNsec / 1000), this.le);
    dv.setUint32(8, cap, this.le);
    dv.setUint32(12, orig, this.le);
    out.set(cap === f.data.length ? f.data : f.data.subarray(0, cap), 16);
    return out;
  }
}

interface OptionValue {
  code: number;
  value: Uint8Array;
}

function optionsLength(opts: OptionValue[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(dv: DataView, out: Uint8Array, at: number, opts: OptionValue[], le: boolean): void {
  if (opts.length === 0) return;
  let p = at;
  for (const o of opts) {
    if (o.value.length > 0xffff) throw new RangeError(`option ${o.code} is ${o.value.length} bytes, more than 65535`);
    dv.setUint16(p, o.code, le);
    dv.setUint16(p + 2, o.value.length, le);
    out.set(o.value, p + 4);
    p += 4 + pad4(o.value.length);
  }
  // opt_endofopt: code 0, length 0 (the buffer is already zero).
}

/** A block with its type, both length fields, body filled by `fill` at offset 8. */
function makeBlock(type: number, bodyLength: number, le: boolean, fill: (dv: DataView, out: Uint8Array) => void): Uint8Array {
  const total = 12 + bodyLength;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, total, le);
  fill(dv, out);
  dv.setUint32(total - 4, total, le);
  return out;
}

const TSRESOL_BY_NS: Record<number, number> = { 1: 9, 10: 8, 100: 7, 1000: 6, 10000: 5, 100000: 4, 1000000: 3, 10000000: 2, 100000000: 1, 1000000000: 0 };

export class PcapngWriter {
  private readonly le: boolean;
  private readonly ifaces: { linkType: number; snaplen: number; unitsPerSec: number; options: OptionValue[] }[];
  private readonly shbOptions: OptionValue[];

  constructor(interfaces: PcapngInterfaceSpec[], opts?: PcapngWriterOptions) {
    this.le = !opts?.bigEndian;
    this.shbOptions = opts?.userAppl !== undefined ? [{ code: OPT_SHB_USERAPPL, value: encodeUtf8(opts.userAppl) }] : [];
    this.ifaces = interfaces.map((spec) => {
      if (!Number.isInteger(spec.linkType) || spec.linkType < 0 || spec.linkType > 0xffff) throw new RangeError(`link type ${spec.linkType} is not a u16`);
      const res = spec.tsResolutionNs ?? 1000;
      const exp = TSRESOL_BY_NS[res];
      if (exp === undefined) throw new RangeError(`tsResolutionNs ${res} is not a power of ten from 1 to 1e9`);
      const options: OptionValue[] = [];
      if (spec.name !== undefined) options.push({ code: OPT_IF_NAME, value: encodeUtf8(spec.name) });
      if (spec.description !== undefined) options.push({ code: OPT_IF_DESCRIPTION, value: encodeUtf8(spec.description) });
      if (res !== 1000) options.push({ code: OPT_IF_TSRESOL, value: Uint8Array.of(exp) });
      return { linkType: spec.linkType, snaplen: checkSnaplen(spec.snaplen ?? MAX_CAPTURED_LENGTH), unitsPerSec: 10 ** exp, options };
    });
  }

  /** The section header block followed by one interface description block per interface. */
  header(): Uint8Array {
    const le = this.le;
    const shbOpts = this.shbOptions;
    const shb = makeBlock(BLOCK_SHB, 16 + optionsLength(shbOpts), le, (dv, out) => {
      dv.setUint32(8, BYTE_ORDER_MAGIC, le);
      dv.setUint16(12, 1, le);
      dv.setUint16(14, 0, le);
      dv.setInt32(16, -1, le); // section length -1: unknown (both halves all ones)
      dv.setInt32(20, -1, le);
      writeOptions(dv, out, 24, shbOpts, le);
    });
    const blocks = [shb];
    for (const ifc of this.ifaces) {
      blocks.push(
        makeBlock(BLOCK_IDB, 8 + optionsLength(ifc.options), le, (dv, out) => {
          dv.setUint16(8, ifc.linkType, le);
          dv.setUint32(12, ifc.snaplen, le);
          writeOptions(dv, out, 16, ifc.options, le);
        }),
      );
    }
    return concatBytes(blocks);
  }

  /** One enhanced packet block. */
  frame(f: WriteFrame): Uint8Array {
    const le = this.le;
    const id = f.interfaceId ?? 0;
    const ifc = this.ifaces[id];
    if (ifc === undefined || !Number.isInteger(id)) throw new RangeError(`interface ${id} is not one of the ${this.ifaces.length} declared`);
    const { cap, orig } = frameLengths(f, ifc.snaplen);
    const { high, low } = timeToTicks(f.tsSec, f.tsNsec, ifc.unitsPerSec);
    const opts: OptionValue[] = f.comment !== undefined ? [{ code: OPT_COMMENT, value: encodeUtf8(f.comment) }] : [];
    return makeBlock(BLOCK_EPB, 20 + pad4(cap) + optionsLength(opts), le, (dv, out) => {
      dv.setUint32(8, id, le);
      dv.setUint32(12, high, le);
      dv.setUint32(16, low, le);
      dv.setUint32(20, cap, le);
      dv.setUint32(24, orig, le);
      out.set(cap === f.data.length ? f.data : f.data.subarray(0, cap), 28);
      writeOptions(dv, out, 28 + pad4(cap), opts, le);
    });
  }
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A whole classic pcap file. */
export function writePcap(frames: Iterable<WriteFrame>, opts: PcapWriterOptions): Uint8Array {
  const w = new PcapWriter(opts);
  const parts = [w.header()];
  for (const f of frames) parts.push(w.frame(f));
  return concatBytes(parts);
}

/** A whole pcapng file: one section, the given interfaces, one enhanced packet block per frame. */
export function writePcapng(interfaces: PcapngInterfaceSpec[], frames: Iterable<WriteFrame>, opts?: PcapngWriterOptions): Uint8Array {
  const w = new PcapngWriter(interfaces, opts);
  const parts = [w.header()];
  for (const f of frames) parts.push(w.frame(f));
  return concatBytes(parts);
}
