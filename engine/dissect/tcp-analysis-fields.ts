/**
 * The "SEQ/ACK analysis" subtree of a TCP layer, laid out as Wireshark 4.0's
 * tcp_print_sequence_number_analysis does: acks_frame, ack_rtt, initial_rtt, bytes_in_flight and
 * push_bytes_sent, then "TCP Analysis Flags" holding the expert items (retransmission kinds with
 * the RTO, lost segments, window, keep-alive, duplicate ACK, zero window), then the duplicate-ACK
 * number and frame. Every item is generated, at the start of the TCP header with length 0 (as in
 * Wireshark). Expert items carry `true` (tshark prints FT_NONE items as 1).
 */
import type { Field } from './types.ts';
import {
  TA_ACK_LOST_PACKET, TA_DUPLICATE_ACK, TA_FAST_RETRANSMISSION, TA_KEEP_ALIVE, TA_KEEP_ALIVE_ACK, TA_LOST_PACKET,
  TA_OUT_OF_ORDER, TA_RETRANSMISSION, TA_REUSED_PORTS, TA_SPURIOUS_RETRANSMISSION, TA_WINDOW_FULL, TA_WINDOW_UPDATE,
  TA_ZERO_WINDOW, TA_ZERO_WINDOW_PROBE, TA_ZERO_WINDOW_PROBE_ACK, type TcpAnalysis,
} from './tcp-analysis.ts';
import { generated, gfield, withChildren } from './util.ts';

/** Seconds with nanosecond digits, as Wireshark prints a relative time. */
export function secondsText(ns: number): string {
  const neg = ns < 0;
  const a = Math.abs(ns);
  const s = `${Math.floor(a / 1e9)}.${String(a % 1e9).padStart(9, '0')}`;
  return neg ? `-${s}` : s;
}

function timeField(name: string, prefix: string, ns: number, off: number): Field {
  return gfield(name, prefix, ns / 1e9, off, 0, `${secondsText(ns)} seconds`);
}

function expert(name: string, severity: string, text: string, off: number): Field {
  return generated(name, `[Expert Info (${severity}/Sequence): ${text}]`, true, off, 0);
}

/** Expert items in Wireshark's printing order: [flag, filter name, severity, message]. */
const EXPERTS: ReadonlyArray<readonly [number, string, string, string]> = [
  [TA_REUSED_PORTS, 'tcp.analysis.reused_ports', 'Note', 'A new tcp session is started with the same ports as an earlier session in this trace'],
  [TA_RETRANSMISSION, 'tcp.analysis.retransmission', 'Note', 'This frame is a (suspected) retransmission'],
  [TA_FAST_RETRANSMISSION, 'tcp.analysis.fast_retransmission', 'Note', 'This frame is a (suspected) fast retransmission'],
  [TA_SPURIOUS_RETRANSMISSION, 'tcp.analysis.spurious_retransmission', 'Note', 'This frame is a (suspected) spurious retransmission'],
  [TA_OUT_OF_ORDER, 'tcp.analysis.out_of_order', 'Warning', 'This frame is a (suspected) out-of-order segment'],
  [TA_LOST_PACKET, 'tcp.analysis.lost_segment', 'Warning', 'Previous segment(s) not captured (common at capture start)'],
  [TA_ACK_LOST_PACKET, 'tcp.analysis.ack_lost_segment', 'Warning', "ACKed segment that wasn't captured (common at capture start)"],
  [TA_WINDOW_UPDATE, 'tcp.analysis.window_update', 'Chat', 'TCP window update'],
  [TA_WINDOW_FULL, 'tcp.analysis.window_full', 'Warning', 'TCP window specified by the receiver is now completely full'],
  [TA_KEEP_ALIVE, 'tcp.analysis.keep_alive', 'Note', 'TCP keep-alive segment'],
  [TA_KEEP_ALIVE_ACK, 'tcp.analysis.keep_alive_ack', 'Note', 'ACK to a TCP keep-alive segment'],
];

const ZERO_WINDOW_EXPERTS: ReadonlyArray<readonly [number, string, string, string]> = [
  [TA_ZERO_WINDOW_PROBE, 'tcp.analysis.zero_window_probe', 'Note', 'TCP Zero Window Probe'],
  [TA_ZERO_WINDOW, 'tcp.analysis.zero_window', 'Warning', 'TCP Zero Window segment'],
  [TA_ZERO_WINDOW_PROBE_ACK, 'tcp.analysis.zero_window_probe_ack', 'Note', 'ACK to a TCP Zero Window Probe'],
];

function flagItems(a: TcpAnalysis, off: number): Field[] {
  const out: Field[] = [];
  const fl = a.flags;
  for (const [bit, name, severity, text] of EXPERTS) {
    if (!(fl & bit)) continue;
    out.push(expert(name, severity, text, off));
    if (bit === TA_RETRANSMISSION && a.rtoNs !== 0) {
      out.push(timeField('tcp.analysis.rto', 'The RTO for this segment was', a.rtoNs, off), gfield('tcp.analysis.rto_frame', 'RTO based on delta from frame', a.rtoFrame, off, 0));
    }
    // A fast or spurious retransmission is also a retransmission (both expert items are added).
    if (bit === TA_FAST_RETRANSMISSION || bit === TA_SPURIOUS_RETRANSMISSION) out.push(expert('tcp.analysis.retransmission', 'Note', EXPERTS[1]![3], off));
  }
  if (a.dupAckNum !== 0 && fl & TA_DUPLICATE_ACK) out.push(generated('tcp.analysis.duplicate_ack', '[This is a TCP duplicate ack]', true, off, 0));
  for (const [bit, name, severity, text] of ZERO_WINDOW_EXPERTS) if (fl & bit) out.push(expert(name, severity, text, off));
  return out;
}

/** The "[SEQ/ACK analysis]" item with its children (call only when the frame has an analysis). */
export function analysisFields(a: TcpAnalysis, off: number): Field {
  const c: Field[] = [];
  if (a.acksFrame !== 0) {
    c.push(gfield('tcp.analysis.acks_frame', 'This is an ACK to the segment in frame', a.acksFrame, off, 0));
    if (a.ackRttNs !== 0) c.push(timeField('tcp.analysis.ack_rtt', 'The RTT to ACK the segment was', a.ackRttNs, off));
  }
  if (a.initialRttNs !== 0) c.push(timeField('tcp.analysis.initial_rtt', 'iRTT', a.initialRttNs, off));
  if (a.bytesInFlight !== 0) {
    c.push(gfield('tcp.analysis.bytes_in_flight', 'Bytes in flight', a.bytesInFlight, off, 0), gfield('tcp.analysis.push_bytes_sent', 'Bytes sent since last PSH flag', a.pushBytesSent, off, 0));
  }
  if (a.flags & 0x7fff) {
    c.push(withChildren(generated('tcp.analysis.flags', '[TCP Analysis Flags]', true, off, 0), flagItems(a, off)));
    if (a.dupAckNum !== 0) {
      c.push(
        gfield('tcp.analysis.duplicate_ack_num', 'Duplicate ACK #', a.dupAckNum, off, 0),
        withChildren(gfield('tcp.analysis.duplicate_ack_frame', 'Duplicate to the ACK in frame', a.dupAckFrame, off, 0), [
          expert('tcp.analysis.duplicate_ack', 'Note', `Duplicate ACK (#${a.dupAckNum})`, off),
        ]),
      );
    }
  }
  return withChildren(generated('tcp.analysis', '[SEQ/ACK analysis]', true, off, 0), c);
}
