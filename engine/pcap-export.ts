/**
 * Captured frames as files: classic pcap (all capture points merged, time-ordered) and pcapng
 * (one interface per capture point). The CLI writes these bytes to disk; the app's worker hands
 * the same bytes to the page for download. Both go through here so a file from either opens the
 * same in Wireshark.
 */
import { writePcap, writePcapng } from './pcap/index.ts';
import type { CapturedFrame } from './sim/types.ts';

/** Virtual time 0 is written as this epoch (2026-01-01T00:00:00Z) so that tools show real dates. */
export const CAPTURE_EPOCH_S = 1_767_225_600;

/** One capture point's frames, as `Simulation.captures()` returns them. */
export interface CaptureFrames {
  readonly id: string;
  readonly node: string;
  readonly iface?: string;
  readonly frames: readonly CapturedFrame[];
}

function stamp(f: CapturedFrame) {
  return { tsSec: CAPTURE_EPOCH_S + Math.floor(f.t / 1e6), tsNsec: (f.t % 1e6) * 1000, data: f.data };
}

export function toPcap(frames: readonly CapturedFrame[]): Uint8Array {
  const sorted = [...frames].sort((a, b) => a.t - b.t);
  return writePcap(sorted.map(stamp), { linkType: 1 });
}

export function toPcapng(captures: readonly CaptureFrames[]): Uint8Array {
  const interfaces = captures.map((c) => ({ linkType: 1, name: `${c.node}${c.iface ? `:${c.iface}` : ''}` }));
  const frames = captures
    .flatMap((c, i) => c.frames.map((f) => ({ ...stamp(f), interfaceId: i, t: f.t })))
    .sort((a, b) => a.t - b.t);
  return writePcapng(interfaces, frames, { userAppl: 'netplay' });
}
