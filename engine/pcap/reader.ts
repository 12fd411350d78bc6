/**
 * CaptureReader: incremental, push-based reading of classic pcap and pcapng.
 *
 *   const r = new CaptureReader();
 *   for (const chunk of chunks) show(r.push(chunk));   // frames as soon as they are complete
 *   const err = r.end();                               // null, or the fault after the last frame
 *
 * Chunks may have any size, from 1 byte to the whole file. Frame data are views into the pushed
 * chunks (see CaptureFrame.data); pass `copyFrames: true` when the caller recycles its buffers.
 * Nothing here throws on file contents.
 */
import { CaptureParser, type PacketSink } from './parser.ts';
import type { CaptureFormat, CaptureFrame, CaptureInterface, PcapError } from './types.ts';

class FrameSink implements PacketSink {
  readonly wantsOptions = true;
  frames: CaptureFrame[] = [];
  count = 0;
  private readonly copy: boolean;

  constructor(copy: boolean) {
    this.copy = copy;
  }

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
    _dataOffset: number,
    comment: string | undefined,
  ): void {
    const view = buf.subarray(dataStart, dataStart + capturedLength);
    const frame: CaptureFrame = {
      index: this.count++,
      interfaceId,
      section,
      linkType,
      tsSec,
      tsNsec,
      capturedLength,
      originalLength,
      data: this.copy ? view.slice() : view,
      fileOffset,
    };
    if (comment !== undefined) frame.comment = comment;
    this.frames.push(frame);
  }
}

export class CaptureReader {
  private readonly parser: CaptureParser;
  private readonly sink: FrameSink;
  private ended = false;

  constructor(opts?: { copyFrames?: boolean }) {
    this.sink = new FrameSink(opts?.copyFrames ?? false);
    this.parser = new CaptureParser(this.sink);
  }

  /** Feeds a chunk; returns the frames it completed (empty after an error or end()). */
  push(chunk: Uint8Array): CaptureFrame[] {
    if (this.ended) return [];
    this.parser.feed(chunk);
    const out = this.sink.frames;
    this.sink.frames = [];
    return out;
  }

  /** Declares the end of the file. Returns the error (also kept in `error`), or null. */
  end(): PcapError | null {
    this.ended = true;
    return this.parser.finish();
  }

  /** Known once the first 4 bytes have arrived. */
  get format(): CaptureFormat | null {
    return this.parser.format;
  }

  /**
   * Every interface seen so far, all sections in file order. A frame's interface is the one with
   * the frame's `section` at position `interfaceId` within that section (see interfaceOf).
   */
  get interfaces(): CaptureInterface[] {
    return this.parser.interfaces;
  }

  /** The first fault found; parsing stops there. */
  get error(): PcapError | null {
    return this.parser.error;
  }

  /** Bytes of the file fully parsed: the offset of the first record or block not yet complete. */
  get bytesConsumed(): number {
    return this.parser.offset;
  }
}

/** Reads a whole file held in memory. Frame data are views into `bytes`. */
export function readCapture(bytes: Uint8Array): {
  format: CaptureFormat | null;
  interfaces: CaptureInterface[];
  frames: CaptureFrame[];
  error: PcapError | null;
} {
  const reader = new CaptureReader();
  const frames = reader.push(bytes);
  const error = reader.end();
  return { format: reader.format, interfaces: reader.interfaces, frames, error };
}

/** The interface a frame was captured on (its section's interfaceId-th interface). */
export function interfaceOf(interfaces: readonly CaptureInterface[], frame: { section?: number; interfaceId: number }): CaptureInterface | undefined {
  const section = frame.section ?? 0;
  let seen = 0;
  for (const ifc of interfaces) {
    if ((ifc.section ?? 0) !== section) continue;
    if (seen === frame.interfaceId) return ifc;
    seen += 1;
  }
  return undefined;
}
