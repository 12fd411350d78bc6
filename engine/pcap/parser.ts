/**
 * The push parser shared by CaptureReader (frames) and indexCapture (offsets only).
 *
 * The file is a sequence of "units": the 24-byte classic header, then 16-byte record headers
 * each followed by its data; or, for pcapng, blocks that carry their own length. For each unit
 * the parser first asks how many bytes it needs (`unitNeed`), then parses it in place
 * (`unitParse`) straight from the pushed chunk. Only a unit cut by a chunk boundary is copied,
 * into a stash that grows with the bytes that actually arrive.
 *
 * It never throws on file contents: every fault sets `error` once and the parser stops there.
 *
 *  classic record:  ts_sec u32 | ts_usec/nsec u32 | incl_len u32 | orig_len u32 | data
 *  pcapng block:    type u32 | total_length u32 | body (padded to 4) | total_length u32
 */
import type { CaptureFormat, CaptureInterface, PcapError, PcapErrorCode } from './types.ts';
import { MAX_BLOCK_LENGTH, MAX_CAPTURED_LENGTH } from './types.ts';
import { decodeTsresol, MICROSECONDS, ticksToTime, type Timestamp, type TsResolution } from './timestamp.ts';
import { decodeUtf8 } from '../wire/utf8.ts';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
export const BLOCK_PB = 2;
export const BLOCK_SPB = 3;
export const BLOCK_EPB = 6;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const OPT_IF_NAME = 2;
export const OPT_IF_DESCRIPTION = 3;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;
export const OPT_SHB_USERAPPL = 4;

const MIN_BLOCK: Record<number, number> = { [BLOCK_SHB]: 28, [BLOCK_IDB]: 20, [BLOCK_PB]: 32, [BLOCK_SPB]: 16, [BLOCK_EPB]: 32 };
const BLOCK_NAME: Record<number, string> = {
  [BLOCK_SHB]: 'section header block',
  [BLOCK_IDB]: 'interface description block',
  [BLOCK_PB]: 'packet block',
  [BLOCK_SPB]: 'simple packet block',
  [BLOCK_EPB]: 'enhanced packet block',
};
const blockName = (type: number): string => BLOCK_NAME[type] ?? `block of type 0x${type.toString(16)}`;

/** Receives each packet, positional to avoid an object per frame in the index path. */
export interface PacketSink {
  /** False skips option parsing (comments) entirely. */
  readonly wantsOptions: boolean;
  packet(
    buf: Uint8Array,
    dataStart: number,
    capturedLength: number,
    originalLength: number,
    interfaceId: number,
    section: number,
    linkType: number,
    tsSec: number,
    tsNsec: number,
    fileOffset: number,
    dataOffset: number,
    comment: string | undefined,
  ): void;
}

const pad4 = (n: number): number => (n + 3) & ~3;

export class CaptureParser {
  format: CaptureFormat | null = null;
  readonly interfaces: CaptureInterface[] = [];
  error: PcapError | null = null;
  /** File offset of the next unit: everything before it has been parsed. */
  offset = 0;

  private readonly sink: PacketSink;
  private le = true;
  private pcapHeaderDone = false;
  private pcapNano = false;
  private pcapSnaplen = 0;
  private pcapLinkType = 0;
  private section = -1;
  /** Global interface ids of the current pcapng section, by section-local id. */
  private sectionIfaces: number[] = [];
  private readonly ifaceRes: TsResolution[] = [];
  private readonly ifaceOffset: number[] = [];
  private stash: Uint8Array | null = null;
  private stashLen = 0;
  private readonly ts: Timestamp = { sec: 0, nsec: 0 };

  constructor(sink: PacketSink) {
    this.sink = sink;
  }

  /** Feeds one chunk; packets go to the sink as soon as they are complete. */
  feed(chunk: Uint8Array): void {
    if (this.error) return;
    let pos = 0;
    if (this.stashLen > 0) {
      pos = this.finishStash(chunk);
      if (pos < 0 || this.error) return;
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = chunk.length;
    while (pos < n) {
      const avail = n - pos;
      const need = this.unitNeed(chunk, dv, pos, avail);
      if (need < 0) return;
      if (avail < need) {
        this.appendStash(chunk, pos, avail, need);
        return;
      }
      if (!this.unitParse(chunk, dv, pos, need)) return;
      pos += need;
      this.offset += need;
    }
  }

  /** Declares the end of the input; returns the error, if any (a cut unit is an error). */
  finish(): PcapError | null {
    if (this.error) return this.error;
    if (this.format === null) {
      if (this.stashLen === 0) return this.fail('truncated-header', 0, 'the file is empty');
      return this.fail('truncated-header', 0, `the file is only ${this.stashLen} bytes long, too short to tell its format`);
    }
    if (this.format === 'pcap' && !this.pcapHeaderDone) {
      return this.fail('truncated-header', 0, `the file ends after ${this.stashLen} bytes, inside the 24-byte pcap file header`);
    }
    if (this.stashLen > 0) {
      const at = this.offset;
      const what = this.format === 'pcap' ? 'record' : 'block';
      const stash = this.stash!;
      const dv = new DataView(stash.buffer, stash.byteOffset, stash.byteLength);
      const need = this.unitNeed(stash, dv, 0, this.stashLen);
      if (need < 0) return this.error;
      const headerOnly = this.stashLen < (this.format === 'pcap' ? 16 : 8);
      const code = this.format === 'pcapng' && this.section < 0 ? 'truncated-header' : 'truncated-record';
      const claim = headerOnly ? `its header` : `the ${need} bytes it claims`;
      return this.fail(code, at, `the file ends ${this.stashLen} bytes into the ${what} at byte ${at}, before ${claim}`);
    }
    return null;
  }

  get bufferedBytes(): number {
    return this.stashLen;
  }

  private fail(code: PcapErrorCode, offset: number, message: string): PcapError {
    this.error = { code, offset, message };
    return this.error;
  }

  /** Completes the stashed unit from the head of `chunk`; returns the chunk position after it. */
  private finishStash(chunk: Uint8Array): number {
    let pos = 0;
    for (;;) {
      const stash = this.stash!;
      const dv = new DataView(stash.buffer, stash.byteOffset, stash.byteLength);
      const need = this.unitNeed(stash, dv, 0, this.stashLen);
      if (need < 0) return -1;
      if (this.stashLen >= need) {
        // The stash is handed over (frames may view it), never reused.
        this.stash = null;
        this.stashLen = 0;
        if (!this.unitParse(stash, dv, 0, need)) return -1;
        this.offset += need;
        return pos;
      }
      const take = Math.min(need - this.stashLen, chunk.length - pos);
      this.appendStash(chunk, pos, take, need);
      pos += take;
      if (this.stashLen < need) return pos;
    }
  }

  private appendStash(src: Uint8Array, start: number, count: number, need: number): void {
    const want = this.stashLen + count;
    if (!this.stash || this.stash.length < want) {
      // Grow with what arrived (doubling), never straight to an untrusted `need`.
      const cap = Math.min(need, Math.max(want, 64, (this.stash?.length ?? 0) * 2));
      const next = new Uint8Array(cap);
      if (this.stash) next.set(this.stash.subarray(0, this.stashLen));
      this.stash = next;
    }
    this.stash.set(src.subarray(start, start + count), this.stashLen);
    this.stashLen = want;
  }

  /** Bytes needed for the unit at `off` (a header size while the header is incomplete); -1 on error. */
  private unitNeed(buf: Uint8Array, dv: DataView, off: number, avail: number): number {
    if (this.format === null) {
      if (avail < 4) return 4;
      if (!this.detect(buf, dv, off)) return -1;
    }
    if (this.format === 'pcap') {
      if (!this.pcapHeaderDone) return 24;
      if (avail < 16) return 16;
      const capLen = dv.getUint32(off + 8, this.le);
      const at = this.offset;
      if (capLen > MAX_CAPTURED_LENGTH) {
        this.fail('bad-length', at, `record at byte ${at} claims ${capLen} captured bytes, more than the ${MAX_CAPTURED_LENGTH} this reader accepts`);
        return -1;
      }
      if (this.pcapSnaplen !== 0 && capLen > this.pcapSnaplen) {
        this.fail('bad-length', at, `record at byte ${at} claims ${capLen} captured bytes, more than the snaplen ${this.pcapSnaplen}`);
        return -1;
      }
      return 16 + capLen;
    }
    if (avail < 8) return 8;
    const type = dv.getUint32(off, this.le);
    let le = this.le;
    if (type === BLOCK_SHB) {
      if (avail < 12) return 12;
      const bom = dv.getUint32(off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else {
        const code = this.offset === 0 ? 'bad-magic' : 'bad-block';
        this.fail(code, this.offset, `section header block at byte ${this.offset} has byte-order magic 0x${bom.toString(16).padStart(8, '0')}, not 0x1a2b3c4d`);
        return -1;
      }
    } else if (this.section < 0) {
      this.fail('bad-block', this.offset, `block at byte ${this.offset} comes before any section header block`);
      return -1;
    }
    const len = dv.getUint32(off + 4, le);
    const at = this.offset;
    const min = MIN_BLOCK[type] ?? 12;
    if (len < min || len % 4 !== 0 || len > MAX_BLOCK_LENGTH) {
      const why =
        len < min ? `shorter than the ${min} bytes such a block needs` : len % 4 !== 0 ? 'not a multiple of 4' : `more than the ${MAX_BLOCK_LENGTH} this reader accepts`;
      this.fail('bad-block', at, `${blockName(type)} at byte ${at} has length ${len}, ${why}`);
      return -1;
    }
    return len;
  }

  private detect(buf: Uint8Array, dv: DataView, off: number): boolean {
    const magic = dv.getUint32(off, true);
    if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) this.le = true;
    else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.le = false;
    else if (magic === BLOCK_SHB) {
      this.format = 'pcapng';
      return true;
    } else {
      let why = 'neither a pcap nor a pcapng file';
      if (buf[off] === 0x1f && buf[off + 1] === 0x8b) why = 'a gzip-compressed file: decompress it first';
      else if (magic === 0xa1b2cd34 || magic === 0x34cdb2a1) why = 'a "modified" (Kuznetsov) pcap file, which is not supported: convert it with editcap -F pcap';
      this.fail('bad-magic', 0, `the file starts with 0x${dv.getUint32(off, false).toString(16).padStart(8, '0')}: ${why}`);
      return false;
    }
    this.format = 'pcap';
    this.pcapNano = dv.getUint32(off, this.le) === PCAP_MAGIC_NS;
    return true;
  }

  /** Parses a complete unit of `len` bytes at `off`; false on error. */
  private unitParse(buf: Uint8Array, dv: DataView, off: number, len: number): boolean {
    const le = this.le;
    if (this.format === 'pcap') {
      if (!this.pcapHeaderDone) return this.parsePcapHeader(dv, off);
      const frac = dv.getUint32(off + 4, le);
      const capLen = len - 16;
      this.sink.packet(buf, off + 16, capLen, dv.getUint32(off + 12, le), 0, 0, this.pcapLinkType, dv.getUint32(off, le), this.pcapNano ? frac : frac * 1000, this.offset, this.offset + 16, undefined);
      return true;
    }
    const type = dv.getUint32(off, le);
    if (type === BLOCK_SHB) this.le = dv.getUint32(off + 8, true) === BYTE_ORDER_MAGIC;
    const trailer = dv.getUint32(off + len - 4, this.le);
    if (trailer !== len) {
      return !this.fail('bad-block', this.offset, `${blockName(type)} at byte ${this.offset} has length ${len} at its start but ${trailer} at its end`);
    }
    switch (type) {
      case BLOCK_EPB:
      case BLOCK_PB:
        return this.parsePacketBlock(buf, dv, off, len, type);
      case BLOCK_SPB:
        return this.parseSimplePacket(buf, dv, off, len);
      case BLOCK_IDB:
        this.parseIdb(buf, dv, off, len);
        return true;
      case BLOCK_SHB:
        return this.parseShb(dv, off);
      default:
        return true; // NRB, ISB, DSB, custom and unknown blocks are skipped.
    }
  }

  private parsePcapHeader(dv: DataView, off: number): boolean {
    const major = dv.getUint16(off + 4, this.le);
    const minor = dv.getUint16(off + 6, this.le);
    if (major !== 2) {
      return !this.fail('unsupported-version', 0, `pcap file version ${major}.${minor} is not supported (only 2.x)`);
    }
    this.pcapSnaplen = dv.getUint32(off + 16, this.le);
    // The upper bits of the link-type field carry FCS information (pcap draft §4); the type is the low 16.
    this.pcapLinkType = dv.getUint32(off + 20, this.le) & 0xffff;
    this.pcapHeaderDone = true;
    this.interfaces.push({ linkType: this.pcapLinkType, snaplen: this.pcapSnaplen, tsResolutionNs: this.pcapNano ? 1 : 1000, section: 0 });
    return true;
  }

  private parseShb(dv: DataView, off: number): boolean {
    const major = dv.getUint16(off + 12, this.le);
    const minor = dv.getUint16(off + 14, this.le);
    if (major !== 1) {
      return !this.fail('unsupported-version', this.offset, `section header block at byte ${this.offset} has pcapng version ${major}.${minor} (only 1.x is supported)`);
    }
    this.section += 1;
    this.sectionIfaces = [];
    return true;
  }

  private parseIdb(buf: Uint8Array, dv: DataView, off: number, len: number): void {
    const le = this.le;
    const iface: CaptureInterface = { linkType: dv.getUint16(off + 8, le), snaplen: dv.getUint32(off + 12, le), tsResolutionNs: 1000, section: this.section };
    let res = MICROSECONDS;
    let tsOffset = 0;
    forEachOption(dv, off + 16, off + len - 4, le, (code, start, length) => {
      if (code === OPT_IF_NAME && iface.name === undefined) iface.name = decodeUtf8(buf, start, start + length);
      else if (code === OPT_IF_DESCRIPTION && iface.description === undefined) iface.description = decodeUtf8(buf, start, start + length);
      else if (code === OPT_IF_TSRESOL && length >= 1) {
        res = decodeTsresol(buf[start]!);
        iface.tsResolutionNs = res.nsPerUnit;
      } else if (code === OPT_IF_TSOFFSET && length >= 8) {
        tsOffset = Number(dv.getBigInt64(start, le));
        iface.tsOffsetSec = tsOffset;
      }
    });
    this.sectionIfaces.push(this.interfaces.length);
    this.interfaces.push(iface);
    this.ifaceRes.push(res);
    this.ifaceOffset.push(tsOffset);
  }

  private parsePacketBlock(buf: Uint8Array, dv: DataView, off: number, len: number, type: number): boolean {
    const le = this.le;
    const at = this.offset;
    const localId = type === BLOCK_EPB ? dv.getUint32(off + 8, le) : dv.getUint16(off + 8, le);
    const capLen = dv.getUint32(off + 20, le);
    const room = len - 32;
    if (capLen > room || capLen > MAX_CAPTURED_LENGTH) {
      const limit = capLen > room ? `only ${room} fit in the block` : `more than the ${MAX_CAPTURED_LENGTH} this reader accepts`;
      return !this.fail('bad-length', at, `${blockName(type)} at byte ${at} claims ${capLen} captured bytes, but ${limit}`);
    }
    const id = this.sectionIfaces[localId];
    if (id === undefined) return !this.failInterface(type, localId);
    ticksToTime(dv.getUint32(off + 12, le), dv.getUint32(off + 16, le), this.ifaceRes[id]!, this.ts);
    let comment: string | undefined;
    const optStart = off + 28 + pad4(capLen);
    const optEnd = off + len - 4;
    if (this.sink.wantsOptions && optStart < optEnd) comment = findComment(buf, dv, optStart, optEnd, le);
    const ifc = this.interfaces[id]!;
    this.sink.packet(buf, off + 28, capLen, dv.getUint32(off + 24, le), localId, this.section, ifc.linkType, this.ts.sec + this.ifaceOffset[id]!, this.ts.nsec, at, at + 28, comment);
    return true;
  }

  private parseSimplePacket(buf: Uint8Array, dv: DataView, off: number, len: number): boolean {
    const at = this.offset;
    const id = this.sectionIfaces[0];
    if (id === undefined) return !this.failInterface(BLOCK_SPB, 0);
    const origLen = dv.getUint32(off + 8, this.le);
    const ifc = this.interfaces[id]!;
    // Captured length = min(original length, snaplen of interface 0) (pcapng draft §4.4).
    const capLen = ifc.snaplen !== 0 && ifc.snaplen < origLen ? ifc.snaplen : origLen;
    const room = len - 16;
    if (capLen > room || capLen > MAX_CAPTURED_LENGTH) {
      const limit = capLen > room ? `only ${room} fit in the block` : `more than the ${MAX_CAPTURED_LENGTH} this reader accepts`;
      return !this.fail('bad-length', at, `simple packet block at byte ${at} implies ${capLen} captured bytes, but ${limit}`);
    }
    this.sink.packet(buf, off + 12, capLen, origLen, 0, this.section, ifc.linkType, 0, 0, at, at + 12, undefined);
    return true;
  }

  private failInterface(type: number, localId: number): PcapError {
    const n = this.sectionIfaces.length;
    return this.fail(
      'unknown-interface',
      this.offset,
      `${blockName(type)} at byte ${this.offset} names interface ${localId}, but its section describes ${n === 0 ? 'no interfaces' : `only ${n} (0..${n - 1})`}`,
    );
  }
}

/**
 * Walks options (code u16 | length u16 | value padded to 4) until opt_endofopt or the end.
 * An option that overruns the block ends the walk quietly: the block framing is already checked,
 * and a damaged option should not cost the frame.
 */
export function forEachOption(dv: DataView, start: number, end: number, le: boolean, cb: (code: number, start: number, length: number) => void): void {
  let p = start;
  while (p + 4 <= end) {
    const code = dv.getUint16(p, le);
    const length = dv.getUint16(p + 2, le);
    if (code === OPT_ENDOFOPT || p + 4 + length > end) return;
    cb(code, p + 4, length);
    p += 4 + pad4(length);
  }
}

function findComment(buf: Uint8Array, dv: DataView, start: number, end: number, le: boolean): string | undefined {
  let found: string | undefined;
  forEachOption(dv, start, end, le, (code, s, length) => {
    if (code === OPT_COMMENT && found === undefined) found = decodeUtf8(buf, s, s + length);
  });
  return found;
}
