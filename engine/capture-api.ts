/**
 * The capture facade: one open capture (an imported pcap/pcapng file, gzipped or not, or the
 * frames a simulation recorded at its capture points) seen the way Wireshark shows it: a packet
 * list in pages, one frame's field tree and bytes, a display filter, Decode As, colouring rules,
 * and export as pcap or pcapng. The app's capture worker holds these; nothing here knows about
 * workers, the DOM or a clock (long jobs run in slices: `work(stop)` returns when `stop()` says so).
 *
 * How a big file stays fast: the file is indexed once (typed arrays, engine/pcap's indexCapture);
 * rows are dissected when a page is asked for. TCP's relative numbers and `tcp.stream` need every
 * earlier frame to have been seen in order, so a background pass (`work`) walks the frames in order
 * through one DissectSession (which memoises per frame); a page beyond that pass is dissected without
 * the session and marked `provisional` (raw sequence numbers) until the pass gets there.
 */
import { Gunzip } from 'fflate';
import { compileDisplayFilter, type DisplayFilter, type FilterError } from './dissect/filter/index.ts';
import {
  defaultDecodeAs,
  dissect,
  dissectFields,
  DissectSession,
  fieldsByName,
  materializeLayers,
  parseDecodeAsRule,
  summarize,
  withDecodeAs,
  type DecodeAs,
  type DecodeAsRule,
  type Layer,
} from './dissect/index.ts';
import { indexCapture, writePcap, writePcapng, type CaptureFormat, type CaptureIndex, type PcapError, type WriteFrame } from './pcap/index.ts';
import { CAPTURE_EPOCH_S } from './pcap-export.ts';
import { COLOUR_RULES, colourOf } from './capture-colours.ts';

let colourFieldSet: Set<string> | null = null;

/** The field names the colouring rules read: a frame's map needs only these (filter fast path). */
function colourFields(): Set<string> {
  if (colourFieldSet) return colourFieldSet;
  const names = new Set<string>();
  for (const r of COLOUR_RULES) {
    const c = compileDisplayFilter(r.filter);
    if (c.ok) for (const n of c.filter.fields) names.add(n);
  }
  colourFieldSet = names;
  return names;
}

export { COLOUR_RULES, type ColourRule } from './capture-colours.ts';

/** A fault in the file: where (byte offset in the decompressed file) and what. */
export interface CaptureFault {
  readonly offset: number;
  readonly message: string;
  /** 'gzip' when the compressed stream itself is damaged. */
  readonly layer: 'gzip' | 'capture';
}

export interface CaptureInterfaceInfo {
  readonly name: string;
  readonly linkType: number;
}

export interface CaptureMeta {
  readonly name: string;
  readonly source: 'file' | 'simulation';
  readonly format: CaptureFormat | 'simulation' | null;
  readonly gzip: boolean;
  readonly fileBytes: number;
  readonly frames: number;
  readonly interfaces: readonly CaptureInterfaceInfo[];
  readonly fault: CaptureFault | null;
}

/** One packet-list row. */
export interface PacketRow {
  /** 0-based position in the capture. */
  readonly index: number;
  /** Wireshark's No. (1-based). */
  readonly no: number;
  readonly time: string;
  readonly src: string;
  readonly dst: string;
  readonly protocol: string;
  readonly length: number;
  readonly info: string;
  /** Index into COLOUR_RULES, -1 for none. */
  readonly colour: number;
  /** The simulation's packet id (the same packet across rewrites and capture points), -1 for files. */
  readonly packetId: number;
  /** Dissected before the in-order pass reached it: TCP numbers are raw until it does. */
  readonly provisional: boolean;
}

export interface RowPage {
  /** Frames displayed (matching the filter so far). */
  readonly total: number;
  readonly offset: number;
  readonly rows: PacketRow[];
}

export interface FrameDetails {
  readonly index: number;
  readonly no: number;
  readonly time: string;
  readonly absTime: string;
  readonly interfaceName: string;
  readonly linkType: number;
  readonly capturedLength: number;
  readonly originalLength: number;
  readonly bytes: Uint8Array;
  readonly layers: Layer[];
  readonly protocol: string;
  readonly src: string;
  readonly dst: string;
  readonly info: string;
  readonly malformed?: string;
  readonly colour: number;
  /** Simulation frames: the packet id, capture point, node and direction. */
  readonly sim?: { packetId: number; capture: string; node: string; direction: 'in' | 'out'; tUs: number };
}

export interface CaptureStatus {
  readonly frames: number;
  readonly displayed: number;
  /** Frames the in-order pass has seen (TCP streams and relative numbers are final below it). */
  readonly seen: number;
  readonly filter: string;
  /** Frames the filter has been tested on. */
  readonly filtered: number;
  /** True while background work (the in-order pass or the filter) remains. */
  readonly busy: boolean;
  readonly decodeAs: readonly string[];
  readonly verifyChecksums: boolean;
}

export type FilterCompile = { ok: true } | { ok: false; error: FilterError };
export type DecodeAsResult = { ok: true } | { ok: false; rule: string; error: string };
export type ExportResult = { ok: true; bytes: Uint8Array; frames: number } | { ok: false; message: string };

/** Frames one simulation poll hands over (see Engine.captureFramesSince). */
export interface SimFrame {
  readonly t: number;
  readonly capture: string;
  readonly node: string;
  readonly iface: string;
  readonly direction: 'in' | 'out';
  readonly packetId: number;
  readonly data: Uint8Array;
}

// ---- gzip ---------------------------------------------------------------------------------------

export const isGzip = (head: Uint8Array): boolean => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/** Growable byte buffer (one copy per doubling, none per chunk beyond the copy in). */
class ByteSink {
  buf: Uint8Array;
  length = 0;
  constructor(sizeHint = 1 << 16) {
    this.buf = new Uint8Array(Math.max(1024, sizeHint));
  }
  push(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.buf.length) {
      let n = this.buf.length;
      while (n < this.length + chunk.length) n *= 2;
      const b = new Uint8Array(n);
      b.set(this.buf.subarray(0, this.length));
      this.buf = b;
    }
    this.buf.set(chunk, this.length);
    this.length += chunk.length;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Streams chunks of a file in: plain bytes are kept as they are; a gzip stream (magic 1f 8b) is
 * inflated as it arrives (fflate). A damaged or cut gzip stream keeps what inflated before it.
 */
export class FileAssembler {
  private readonly sink: ByteSink;
  private gunzip: Gunzip | null = null;
  private decided = false;
  private compressedIn = 0;
  gzip = false;
  fault: CaptureFault | null = null;

  /** `sizeHint`: the file's size when known (a plain file then lands in one buffer, no copies). */
  constructor(sizeHint?: number) {
    this.sink = new ByteSink(sizeHint);
  }

  push(chunk: Uint8Array, final = false): void {
    if (this.fault) return;
    if (!this.decided && chunk.length > 0) {
      this.decided = true;
      this.gzip = isGzip(chunk);
      if (this.gzip) this.gunzip = new Gunzip((data) => this.sink.push(data));
    }
    if (!this.gunzip) {
      this.sink.push(chunk);
      return;
    }
    try {
      this.gunzip.push(chunk, final);
      this.compressedIn += chunk.length;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.fault = {
        layer: 'gzip',
        offset: this.sink.length,
        message: `the gzip stream is damaged near compressed byte ${this.compressedIn + chunk.length} (${why}); ${this.sink.length} bytes were recovered`,
      };
    }
  }

  /** Ends the stream; a gzip stream that stops early becomes a fault. */
  finish(): Uint8Array {
    if (this.gunzip && !this.fault) this.push(new Uint8Array(0), true);
    return this.sink.bytes();
  }
}

// ---- frame sources ------------------------------------------------------------------------------

interface FrameSource {
  readonly count: number;
  data(i: number): Uint8Array;
  linkType(i: number): number;
  tsSec(i: number): number;
  tsNsec(i: number): number;
  originalLength(i: number): number;
  /** Index into `interfaces`. */
  iface(i: number): number;
  readonly interfaces: readonly CaptureInterfaceInfo[];
  /** Nanoseconds per tick of the most precise interface (1 or 1000 typically). */
  readonly resolutionNs: number;
}

class FileSource implements FrameSource {
  readonly interfaces: CaptureInterfaceInfo[];
  readonly resolutionNs: number;
  private readonly ifaceOf: Uint32Array;
  constructor(private readonly bytes: Uint8Array, readonly index: CaptureIndex) {
    this.interfaces = index.interfaces.map((f, i) => ({ name: f.name ?? f.description ?? `interface ${i}`, linkType: f.linkType }));
    this.resolutionNs = index.interfaces.reduce((m, f) => Math.min(m, f.tsResolutionNs), 1000);
    // Interface ids are per section in the file; the list is over all sections.
    if (index.interfaces.every((f) => (f.section ?? 0) === 0)) {
      this.ifaceOf = index.interfaceId;
      return;
    }
    const global = new Map<string, number>();
    const seen = new Map<number, number>();
    index.interfaces.forEach((f, i) => {
      const s = f.section ?? 0;
      const n = seen.get(s) ?? 0;
      seen.set(s, n + 1);
      global.set(`${s}:${n}`, i);
    });
    this.ifaceOf = new Uint32Array(index.count);
    for (let i = 0; i < index.count; i++) this.ifaceOf[i] = global.get(`${index.section[i]}:${index.interfaceId[i]}`) ?? 0;
  }
  get count(): number {
    return this.index.count;
  }
  data(i: number): Uint8Array {
    const o = this.index.dataOffset[i]!;
    return this.bytes.subarray(o, o + this.index.capturedLength[i]!);
  }
  linkType(i: number): number {
    return this.index.linkType[i]!;
  }
  tsSec(i: number): number {
    return this.index.tsSec[i]!;
  }
  tsNsec(i: number): number {
    return this.index.tsNsec[i]!;
  }
  originalLength(i: number): number {
    return this.index.originalLength[i]!;
  }
  iface(i: number): number {
    return this.ifaceOf[i]!;
  }
}

/** Frames recorded by the simulation, appended while it runs. */
class SimSource implements FrameSource {
  readonly interfaces: CaptureInterfaceInfo[] = [];
  readonly resolutionNs = 1000;
  private readonly ifaceIds = new Map<string, number>();
  private frames: SimFrame[] = [];
  private ifaces: number[] = [];
  readonly captureNames: string[] = [];
  get count(): number {
    return this.frames.length;
  }
  append(batch: readonly SimFrame[]): void {
    for (const f of batch) {
      let k = this.ifaceIds.get(f.capture);
      if (k === undefined) {
        k = this.interfaces.length;
        this.ifaceIds.set(f.capture, k);
        this.interfaces.push({ name: `${f.capture} (${f.node})`, linkType: 1 });
      }
      this.frames.push(f);
      this.ifaces.push(k);
    }
  }
  frame(i: number): SimFrame {
    return this.frames[i]!;
  }
  data(i: number): Uint8Array {
    return this.frames[i]!.data;
  }
  linkType(): number {
    return 1;
  }
  tsSec(i: number): number {
    return CAPTURE_EPOCH_S + Math.floor(this.frames[i]!.t / 1e6);
  }
  tsNsec(i: number): number {
    return (this.frames[i]!.t % 1e6) * 1000;
  }
  originalLength(i: number): number {
    return this.frames[i]!.data.length;
  }
  iface(i: number): number {
    return this.ifaces[i]!;
  }
}

// ---- the view -----------------------------------------------------------------------------------

/** Growable list of frame indexes (the displayed frames under a filter). */
class IndexList {
  items = new Uint32Array(1024);
  length = 0;
  push(i: number): void {
    if (this.length === this.items.length) {
      const b = new Uint32Array(this.items.length * 2);
      b.set(this.items);
      this.items = b;
    }
    this.items[this.length++] = i;
  }
}

export interface OpenOptions {
  readonly decodeAs?: readonly string[];
}

/** Frames per page at most (a screen holds far fewer). */
export const MAX_PAGE = 500;

export class CaptureView {
  private decode: DecodeAs = defaultDecodeAs();
  private decodeRules: string[] = [];
  private session = new DissectSession();
  /** Frames [0, seen) went through the session in order. */
  private seen = 0;
  private verify = false;
  private filterText = '';
  private filter: DisplayFilter | null = null;
  /** The names `filter` reads: the per-frame field map holds only these. */
  private filterFields: Set<string> = new Set();
  private matches = new IndexList();
  private filtered = 0;
  private firstSec = 0;
  private firstNsec = 0;

  private constructor(
    private readonly src: FrameSource,
    readonly meta: Omit<CaptureMeta, 'frames' | 'interfaces'>,
  ) {}

  /** Opens a whole file (pcap, pcapng, either gzipped). Never throws on file contents. */
  static fromFile(name: string, file: Uint8Array | FileAssembler, opts: OpenOptions = {}): CaptureView {
    let asm: FileAssembler | null = null;
    let bytes: Uint8Array;
    if (file instanceof FileAssembler) {
      asm = file;
      bytes = asm.finish();
    } else if (isGzip(file)) {
      asm = new FileAssembler(file.length * 4);
      asm.push(file, true);
      bytes = asm.finish();
    } else bytes = file; // a plain file is indexed where it lies, without a copy

    const index = indexCapture([bytes]);
    let fault: CaptureFault | null = asm?.fault ?? null;
    if (index.error) fault = { layer: 'capture', offset: index.error.offset, message: faultText(index.error, index.count) };
    else if (fault) fault = { ...fault, message: `${fault.message}; ${index.count} complete frames were read from it` };
    const v = new CaptureView(new FileSource(bytes, index), {
      name,
      source: 'file',
      format: index.format,
      gzip: asm?.gzip ?? false,
      fileBytes: bytes.length,
      fault,
    });
    v.setDecodeAs(opts.decodeAs ?? []);
    return v;
  }

  /** An empty capture that the simulation's frames are appended to. */
  static forSimulation(name: string, opts: OpenOptions = {}): CaptureView {
    const v = new CaptureView(new SimSource(), { name, source: 'simulation', format: 'simulation', gzip: false, fileBytes: 0, fault: null });
    v.setDecodeAs(opts.decodeAs ?? []);
    return v;
  }

  info(): CaptureMeta {
    return { ...this.meta, frames: this.src.count, interfaces: this.src.interfaces.slice() };
  }

  /** Appends simulation frames (already in time order). */
  appendFrames(batch: readonly SimFrame[]): void {
    if (!(this.src instanceof SimSource)) throw new Error('frames can only be appended to a simulation capture');
    const wasEmpty = this.src.count === 0;
    this.src.append(batch);
    if (wasEmpty && this.src.count > 0) this.setOrigin();
  }

  // ---- settings ---------------------------------------------------------------------------------

  /** Replaces the Decode As table (tshark -d rules); an invalid rule changes nothing. */
  setDecodeAs(rules: readonly string[]): DecodeAsResult {
    const parsed: DecodeAsRule[] = [];
    for (const r of rules) {
      const p = parseDecodeAsRule(r);
      if (!p.ok) return { ok: false, rule: r, error: p.error };
      parsed.push(p.rule);
    }
    this.decode = withDecodeAs(defaultDecodeAs(), ...parsed);
    this.decodeRules = rules.slice();
    this.restart();
    return { ok: true };
  }

  setVerifyChecksums(on: boolean): void {
    if (on === this.verify) return;
    this.verify = on;
    this.restart();
  }

  /** Compiles and applies a display filter; '' shows every frame. The filter runs in `work`. */
  setFilter(text: string): FilterCompile {
    const t = text.trim();
    if (t === '') {
      this.filter = null;
      this.filterText = '';
      this.resetMatches();
      return { ok: true };
    }
    const c = compileDisplayFilter(t);
    if (!c.ok) return { ok: false, error: c.error };
    this.filter = c.filter;
    this.filterFields = new Set(c.filter.fields);
    this.filterText = t;
    this.resetMatches();
    return { ok: true };
  }

  status(): CaptureStatus {
    const frames = this.src.count;
    return {
      frames,
      displayed: this.displayedCount(),
      seen: this.seen,
      filter: this.filterText,
      filtered: this.filter ? this.filtered : frames,
      busy: this.seen < frames || (this.filter !== null && this.filtered < frames),
      decodeAs: this.decodeRules.slice(),
      verifyChecksums: this.verify,
    };
  }

  // ---- background work --------------------------------------------------------------------------

  /**
   * Runs the filter and the in-order pass until `stop()` or until there is nothing left. Returns
   * true when work remains. The filter goes first: it is what the person is waiting for.
   */
  work(stop: () => boolean): boolean {
    const n = this.src.count;
    let k = 0;
    while (this.filter && this.filtered < n) {
      const i = this.filtered;
      if (this.filter.test(this.fieldsAt(i, this.filterFields))) this.matches.push(i);
      this.filtered = i + 1;
      if ((++k & 63) === 0 && stop()) return true;
    }
    while (this.seen < n) {
      const i = this.seen;
      summarize(this.src.data(i), this.src.linkType(i), this.decode, { frameNumber: i + 1, timeRelative: this.relSeconds(i), session: this.session, verifyChecksums: this.verify });
      this.seen = i + 1;
      if ((++k & 255) === 0 && stop()) return true;
    }
    return false;
  }

  // ---- reading ----------------------------------------------------------------------------------

  displayedCount(): number {
    return this.filter ? this.matches.length : this.src.count;
  }

  /** Frame index of the displayed row `pos`, or -1. */
  displayedFrame(pos: number): number {
    if (pos < 0 || pos >= this.displayedCount()) return -1;
    return this.filter ? this.matches.items[pos]! : pos;
  }

  /** Position of frame `index` among the displayed rows, or -1 when it is filtered out. */
  positionOf(index: number): number {
    if (!this.filter) return index >= 0 && index < this.src.count ? index : -1;
    let lo = 0;
    let hi = this.matches.length - 1;
    const a = this.matches.items;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = a[mid]!;
      if (v === index) return mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  rows(offset: number, limit: number): RowPage {
    const total = this.displayedCount();
    const start = Math.max(0, Math.min(Math.floor(offset) || 0, total));
    const end = Math.min(total, start + Math.max(0, Math.min(MAX_PAGE, Math.floor(limit) || 0)));
    const rows: PacketRow[] = [];
    for (let p = start; p < end; p++) rows.push(this.row(this.displayedFrame(p)));
    return { total, offset: start, rows };
  }

  details(index: number): FrameDetails | null {
    if (!Number.isInteger(index) || index < 0 || index >= this.src.count) return null;
    const d = this.dissectAt(index);
    const data = this.src.data(index);
    const s = this.src;
    const iface = s.interfaces[s.iface(index)];
    const out: FrameDetails = {
      index,
      no: index + 1,
      time: this.relTime(index),
      absTime: absTime(s.tsSec(index), s.tsNsec(index)),
      interfaceName: iface?.name ?? '',
      linkType: s.linkType(index),
      capturedLength: data.length,
      originalLength: s.originalLength(index),
      bytes: data.slice(),
      // Plain objects with the labels built: the lazy ones would not survive the worker boundary.
      layers: materializeLayers(d.layers),
      protocol: d.protocol,
      src: d.src,
      dst: d.dst,
      info: d.info,
      colour: colourOf(fieldsByName(d, colourFields())),
      ...(d.malformed !== undefined ? { malformed: d.malformed } : {}),
    };
    if (s instanceof SimSource) {
      const f = s.frame(index);
      return { ...out, sim: { packetId: f.packetId, capture: f.capture, node: f.node, direction: f.direction, tUs: f.t } };
    }
    return out;
  }

  /** The frames of one simulated packet (the same packet id), as displayed-independent indexes. */
  framesOfPacket(packetId: number): number[] {
    const s = this.src;
    if (!(s instanceof SimSource)) return [];
    const out: number[] = [];
    for (let i = 0; i < s.count; i++) if (s.frame(i).packetId === packetId) out.push(i);
    return out;
  }

  /** The whole capture or the displayed frames as a file. Never throws: a refusal says why. */
  export(format: 'pcap' | 'pcapng', displayedOnly: boolean): ExportResult {
    try {
      return this.write(format, displayedOnly);
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  }

  private write(format: 'pcap' | 'pcapng', displayedOnly: boolean): ExportResult {
    const s = this.src;
    const count = displayedOnly ? this.displayedCount() : s.count;
    const at = (k: number): number => (displayedOnly ? this.displayedFrame(k) : k);
    const frame = (k: number, withIface: boolean): WriteFrame => {
      const i = at(k);
      // A file may hold a sub-second part of a second or more (usec >= 1e6); writers want it carried.
      const ns = s.tsNsec(i);
      const carry = Math.floor(ns / 1e9);
      const f: WriteFrame = { tsSec: s.tsSec(i) + carry, tsNsec: ns - carry * 1e9, data: s.data(i), originalLength: Math.max(s.originalLength(i), s.data(i).length) };
      if (withIface) f.interfaceId = s.iface(i);
      return f;
    };
    const frames = function* (withIface: boolean): Generator<WriteFrame> {
      for (let k = 0; k < count; k++) yield frame(k, withIface);
    };
    if (format === 'pcap') {
      const types = new Set<number>();
      for (let k = 0; k < count; k++) types.add(s.linkType(at(k)));
      if (types.size > 1) return { ok: false, message: `these frames have ${types.size} link types (${[...types].join(', ')}); classic pcap holds one: export as pcapng` };
      const linkType = types.values().next().value ?? s.interfaces[0]?.linkType ?? 1;
      return { ok: true, frames: count, bytes: writePcap(frames(false), { linkType, nanosecond: s.resolutionNs < 1000 }) };
    }
    const interfaces = s.interfaces.map((f) => ({ linkType: f.linkType, name: f.name, tsResolutionNs: s.resolutionNs < 1000 ? 1 : 1000 }));
    if (interfaces.length === 0) interfaces.push({ linkType: 1, name: this.meta.name, tsResolutionNs: 1000 });
    return { ok: true, frames: count, bytes: writePcapng(interfaces, frames(true), { userAppl: 'netplay' }) };
  }

  // ---- internals --------------------------------------------------------------------------------

  private restart(): void {
    this.session = new DissectSession();
    this.seen = 0;
    this.resetMatches();
    if (this.src.count > 0) this.setOrigin();
  }

  private resetMatches(): void {
    this.matches = new IndexList();
    this.filtered = 0;
  }

  private setOrigin(): void {
    this.firstSec = this.src.tsSec(0);
    this.firstNsec = this.src.tsNsec(0);
  }

  /**
   * Dissects frame i with the session when the in-order pass has reached it (memoised there, so
   * the numbers are those of the first pass), or when it is the next one in order.
   */
  private dissectAt(i: number) {
    const s = this.src;
    const inOrder = i <= this.seen;
    const d = dissect(s.data(i), s.linkType(i), this.decode, {
      frameNumber: i + 1,
      timeRelative: this.relSeconds(i),
      verifyChecksums: this.verify,
      ...(inOrder ? { session: this.session } : {}),
    });
    if (i === this.seen) this.seen = i + 1;
    return d;
  }

  /** `fieldsByName(this.dissectAt(i), names)` without building the layers the names cannot be in. */
  private fieldsAt(i: number, names: ReadonlySet<string>) {
    const s = this.src;
    const inOrder = i <= this.seen;
    const m = dissectFields(s.data(i), s.linkType(i), this.decode, names, {
      frameNumber: i + 1,
      timeRelative: this.relSeconds(i),
      verifyChecksums: this.verify,
      ...(inOrder ? { session: this.session } : {}),
    });
    if (i === this.seen) this.seen = i + 1;
    return m;
  }

  private row(i: number): PacketRow {
    const provisional = i > this.seen;
    const d = this.dissectAt(i);
    const s = this.src;
    return {
      index: i,
      no: i + 1,
      time: this.relTime(i),
      src: d.src,
      dst: d.dst,
      protocol: d.protocol,
      // Wireshark's Length column is frame.len, the length on the wire (a snaplen cuts the capture only).
      length: Math.max(s.originalLength(i), d.length),
      info: d.info,
      colour: colourOf(fieldsByName(d, colourFields())),
      packetId: s instanceof SimSource ? s.frame(i).packetId : -1,
      provisional,
    };
  }

  /** Seconds since the first frame (the TCP analysis's RTT, iRTT and retransmission timing). */
  private relSeconds(i: number): number {
    return this.src.tsSec(i) - this.firstSec + (this.src.tsNsec(i) - this.firstNsec) / 1e9;
  }

  private relTime(i: number): string {
    const ns = (this.src.tsSec(i) - this.firstSec) * 1e9 + (this.src.tsNsec(i) - this.firstNsec);
    return formatSeconds(ns, this.src.resolutionNs < 1000 ? 9 : 6);
  }
}

/** ns as seconds with `digits` decimals, exact for the integers involved (no float rounding). */
export function formatSeconds(ns: number, digits: 6 | 9): string {
  const neg = ns < 0;
  const a = Math.abs(Math.round(ns));
  const sec = Math.floor(a / 1e9);
  const frac = a - sec * 1e9;
  const f = digits === 9 ? String(frac).padStart(9, '0') : String(Math.floor(frac / 1000)).padStart(6, '0');
  return `${neg ? '-' : ''}${sec}.${f}`;
}

function absTime(sec: number, nsec: number): string {
  // Dates reach ±8.64e12 s; a damaged stamp beyond that is shown as plain seconds.
  if (!(Math.abs(sec) <= 8.64e12)) return `${sec}.${String(nsec).padStart(9, '0')} s since 1970`;
  const d = new Date(sec * 1000);
  const iso = d.toISOString().slice(0, 19).replace('T', ' ');
  return `${iso}.${String(nsec).padStart(9, '0')} UTC`;
}

function faultText(e: PcapError, frames: number): string {
  return `The file is damaged at byte ${e.offset}: ${e.message}. The ${frames} frame${frames === 1 ? '' : 's'} before it ${frames === 1 ? 'is' : 'are'} shown.`;
}
