/**
 * The capture worker: opens, indexes, dissects, filters and exports captures (engine/capture-api.ts)
 * away from the main thread and from the simulation's worker. It holds every open capture by id
 * (the simulation's and each imported file), and runs their background work (the display filter
 * and the in-order TCP pass) in slices of a few milliseconds, so that page requests are answered
 * between slices while a million frames are being filtered.
 */
import * as Comlink from 'comlink';
import {
  CaptureView,
  FileAssembler,
  isGzip,
  type CaptureMeta,
  type CaptureStatus,
  type DecodeAsResult,
  type ExportResult,
  type FilterCompile,
  type FrameDetails,
  type RowPage,
  type SimFrame,
} from '../../engine/capture-api.ts';

/** Wall-clock milliseconds one slice of background work may take. */
const SLICE_MS = 12;

export interface OpenedCapture {
  readonly id: string;
  readonly meta: CaptureMeta;
  /** Milliseconds spent reading, decompressing and indexing. */
  readonly openMs: number;
}

export class CaptureWorker {
  private readonly views = new Map<string, CaptureView>();
  private next = 1;
  private scheduled = false;

  /** Reads a dropped or picked file (a gzipped one streamed and inflated on the way) and indexes it. */
  async openFile(file: Blob, name: string, decodeAs: readonly string[]): Promise<OpenedCapture> {
    const t0 = performance.now();
    const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
    if (!isGzip(head)) {
      // A plain file is read in one go: no chunk copies, and the index points into it directly.
      return this.add(CaptureView.fromFile(name, new Uint8Array(await file.arrayBuffer()), { decodeAs }), t0);
    }
    const asm = new FileAssembler(file.size * 4);
    const reader = file.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      asm.push(value);
    }
    return this.add(CaptureView.fromFile(name, asm, { decodeAs }), t0);
  }

  openBytes(bytes: Uint8Array, name: string, decodeAs: readonly string[]): OpenedCapture {
    const t0 = performance.now();
    return this.add(CaptureView.fromFile(name, bytes, { decodeAs }), t0);
  }

  /** A fresh, empty capture for the simulation's frames (replacing `replace` when given). */
  openSimulation(name: string, decodeAs: readonly string[], replace?: string): OpenedCapture {
    if (replace) this.views.delete(replace);
    return this.add(CaptureView.forSimulation(name, { decodeAs }), performance.now());
  }

  appendFrames(id: string, frames: readonly SimFrame[]): CaptureStatus {
    const v = this.view(id);
    v.appendFrames(frames);
    this.schedule();
    return v.status();
  }

  close(id: string): void {
    this.views.delete(id);
  }

  info(id: string): CaptureMeta {
    return this.view(id).info();
  }

  status(id: string): CaptureStatus {
    return this.view(id).status();
  }

  rows(id: string, offset: number, limit: number): RowPage {
    return this.view(id).rows(offset, limit);
  }

  details(id: string, index: number): FrameDetails | null {
    return this.view(id).details(index);
  }

  positionOf(id: string, index: number): number {
    return this.view(id).positionOf(index);
  }

  framesOfPacket(id: string, packetId: number): number[] {
    return this.view(id).framesOfPacket(packetId);
  }

  setFilter(id: string, text: string): FilterCompile {
    const r = this.view(id).setFilter(text);
    this.schedule();
    return r;
  }

  setDecodeAs(id: string, rules: readonly string[]): DecodeAsResult {
    const r = this.view(id).setDecodeAs(rules);
    this.schedule();
    return r;
  }

  setVerifyChecksums(id: string, on: boolean): void {
    this.view(id).setVerifyChecksums(on);
    this.schedule();
  }

  export(id: string, format: 'pcap' | 'pcapng', displayedOnly: boolean): ExportResult {
    const r = this.view(id).export(format, displayedOnly);
    return r.ok ? Comlink.transfer(r, [r.bytes.buffer]) : r;
  }

  private view(id: string): CaptureView {
    const v = this.views.get(id);
    if (!v) throw new Error(`no open capture '${id}'`);
    return v;
  }

  private add(v: CaptureView, t0: number): OpenedCapture {
    const id = `cap${this.next++}`;
    this.views.set(id, v);
    this.schedule();
    return { id, meta: v.info(), openMs: Math.round(performance.now() - t0) };
  }

  /** Background work in slices; page requests run between them. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => this.slice(), 0);
  }

  private slice(): void {
    this.scheduled = false;
    const deadline = performance.now() + SLICE_MS;
    let more = false;
    for (const v of this.views.values()) {
      if (v.work(() => performance.now() > deadline)) more = true;
      if (performance.now() > deadline) break;
    }
    if (more || [...this.views.values()].some((v) => v.status().busy)) this.schedule();
  }
}

Comlink.expose(new CaptureWorker());
