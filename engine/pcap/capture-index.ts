/**
 * indexCapture: one pass over a large file that records where each frame is, without making a
 * frame object or copying frame bytes. Entries are kept column-wise in typed arrays (about 40
 * bytes per frame), so a 100 MB capture of a million frames indexes in a few tens of MB.
 *
 * Offsets are Float64 so files beyond 4 GiB index correctly (exact up to 2^53).
 */
import { CaptureParser, type PacketSink } from './parser.ts';
import type { CaptureFormat, CaptureInterface, PcapError } from './types.ts';

export interface CaptureIndex {
  format: CaptureFormat | null;
  interfaces: CaptureInterface[];
  /** Number of frames; the arrays below have exactly this length. */
  count: number;
  /** Offset of the record or block in the file. */
  fileOffset: Float64Array;
  /** Offset of the first frame byte in the file: bytes.subarray(dataOffset, dataOffset + capturedLength). */
  dataOffset: Float64Array;
  capturedLength: Uint32Array;
  originalLength: Uint32Array;
  /** Section-local interface id, as in CaptureFrame. */
  interfaceId: Uint32Array;
  section: Uint32Array;
  linkType: Uint32Array;
  tsSec: Float64Array;
  tsNsec: Uint32Array;
  error: PcapError | null;
}

export interface CaptureIndexEntry {
  fileOffset: number;
  dataOffset: number;
  capturedLength: number;
  originalLength: number;
  interfaceId: number;
  section: number;
  linkType: number;
  tsSec: number;
  tsNsec: number;
}

class IndexSink implements PacketSink {
  readonly wantsOptions = false;
  count = 0;
  fileOffset: Float64Array = new Float64Array(1024);
  dataOffset: Float64Array = new Float64Array(1024);
  capturedLength: Uint32Array = new Uint32Array(1024);
  originalLength: Uint32Array = new Uint32Array(1024);
  interfaceId: Uint32Array = new Uint32Array(1024);
  section: Uint32Array = new Uint32Array(1024);
  linkType: Uint32Array = new Uint32Array(1024);
  tsSec: Float64Array = new Float64Array(1024);
  tsNsec: Uint32Array = new Uint32Array(1024);

  packet(
    _buf: Uint8Array,
    _dataStart: number,
    capturedLength: number,
    originalLength: number,
    interfaceId: number,
    section: number,
    linkType: number,
    tsSec: number,
    tsNsec: number,
    fileOffset: number,
    dataOffset: number,
  ): void {
    const i = this.count;
    if (i === this.tsNsec.length) this.grow(i * 2);
    this.fileOffset[i] = fileOffset;
    this.dataOffset[i] = dataOffset;
    this.capturedLength[i] = capturedLength;
    this.originalLength[i] = originalLength;
    this.interfaceId[i] = interfaceId;
    this.section[i] = section;
    this.linkType[i] = linkType;
    this.tsSec[i] = tsSec;
    this.tsNsec[i] = tsNsec;
    this.count = i + 1;
  }

  grow(size: number): void {
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a.subarray(0, Math.min(a.length, size)));
      return b;
    };
    const u32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(size);
      b.set(a.subarray(0, Math.min(a.length, size)));
      return b;
    };
    this.fileOffset = f64(this.fileOffset);
    this.dataOffset = f64(this.dataOffset);
    this.capturedLength = u32(this.capturedLength);
    this.originalLength = u32(this.originalLength);
    this.interfaceId = u32(this.interfaceId);
    this.section = u32(this.section);
    this.linkType = u32(this.linkType);
    this.tsSec = f64(this.tsSec);
    this.tsNsec = u32(this.tsNsec);
  }
}

/** Indexes a file given as chunks (one whole buffer works too). Never throws on file contents. */
export function indexCapture(chunks: Iterable<Uint8Array>): CaptureIndex {
  const sink = new IndexSink();
  const parser = new CaptureParser(sink);
  for (const chunk of chunks) {
    parser.feed(chunk);
    if (parser.error) break;
  }
  const error = parser.finish();
  sink.grow(sink.count);
  return {
    format: parser.format,
    interfaces: parser.interfaces,
    count: sink.count,
    fileOffset: sink.fileOffset,
    dataOffset: sink.dataOffset,
    capturedLength: sink.capturedLength,
    originalLength: sink.originalLength,
    interfaceId: sink.interfaceId,
    section: sink.section,
    linkType: sink.linkType,
    tsSec: sink.tsSec,
    tsNsec: sink.tsNsec,
    error,
  };
}

/** One entry of an index as a plain object. */
export function indexEntry(index: CaptureIndex, i: number): CaptureIndexEntry | undefined {
  if (!Number.isInteger(i) || i < 0 || i >= index.count) return undefined;
  return {
    fileOffset: index.fileOffset[i]!,
    dataOffset: index.dataOffset[i]!,
    capturedLength: index.capturedLength[i]!,
    originalLength: index.originalLength[i]!,
    interfaceId: index.interfaceId[i]!,
    section: index.section[i]!,
    linkType: index.linkType[i]!,
    tsSec: index.tsSec[i]!,
    tsNsec: index.tsNsec[i]!,
  };
}
