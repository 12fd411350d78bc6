/**
 * Shared types and limits of the pcap/pcapng reader and writers.
 *
 * Formats: libpcap `pcap-savefile(5)` (classic pcap) and draft-ietf-opsawg-pcapng (pcapng).
 * See /work/shared/reference/cloud-nat-lb.md sections I.2 and I.3 for the field tables.
 */

/** Link-layer header types (tcpdump.org/linktypes.html). Unknown values are kept as numbers. */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/**
 * Limits applied to lengths read from a file, before any memory is reserved for them.
 *
 * - A frame may hold at most 256 KiB (262144 bytes): libpcap's MAXIMUM_SNAPLEN, and the largest
 *   snaplen tcpdump and dumpcap write. A larger captured length means a corrupt file.
 * - A pcapng block may be at most 16 MiB. Packet blocks are far smaller (frame + options); the
 *   headroom is for name-resolution and decryption-secrets blocks, which we skip.
 * Memory for a block that straddles pushed chunks grows with the bytes actually received (doubling),
 * so a lying length field costs at most twice the bytes that really arrived.
 */
export const MAX_CAPTURED_LENGTH = 262_144;
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureInterface {
  linkType: number;
  /** 0 means "no limit" (pcapng IDB) or an unset classic header field. */
  snaplen: number;
  name?: string;
  description?: string;
  /** Nanoseconds per timestamp tick, from if_tsresol: 1000 for µs (the default), 1 for ns. */
  tsResolutionNs: number;
  /** if_tsoffset: seconds added to every timestamp of this interface (pcapng only). */
  tsOffsetSec?: number;
  /** 0-based pcapng section the interface was described in (0 for classic pcap). */
  section?: number;
}

export interface CaptureFrame {
  /** 0-based frame number in the file. */
  index: number;
  /**
   * Interface id as stored in the file: counted from 0 within the frame's pcapng section (what
   * tshark 4.0 shows as `frame.interface_id`); 0 for classic pcap. See interfaceOf().
   */
  interfaceId: number;
  /** 0-based pcapng section the frame belongs to (0 for classic pcap). */
  section?: number;
  /** 1 ethernet, 101 raw IP, 113 Linux cooked (SLL), 276 SLL2, others kept. */
  linkType: number;
  /** Seconds since the epoch (may be negative or beyond 2^32 in pcapng). */
  tsSec: number;
  /** Nanoseconds within the second, 0..999_999_999 (classic pcap passes the stored value through). */
  tsNsec: number;
  capturedLength: number;
  originalLength: number;
  /**
   * The frame bytes. Without `copyFrames` this is a view into the chunk that was pushed (or into
   * a private buffer when the record straddled two chunks): it stays valid as long as the caller
   * does not overwrite the chunk it pushed. With `copyFrames` it is a private copy.
   */
  data: Uint8Array;
  /** Byte offset of the record (classic) or block (pcapng) in the file. */
  fileOffset: number;
  /** opt_comment of the packet block (the first one, when several are present). */
  comment?: string;
}

export type PcapErrorCode =
  | 'bad-magic'
  | 'truncated-header'
  | 'truncated-record'
  | 'bad-length'
  | 'bad-block'
  | 'unknown-interface'
  | 'unsupported-version';

export interface PcapError {
  code: PcapErrorCode;
  /** Byte offset in the file of the record or block at fault. */
  offset: number;
  /** One sentence a person understands. */
  message: string;
}

/** What a writer needs to know about one frame. */
export interface WriteFrame {
  tsSec: number;
  tsNsec: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  originalLength?: number;
  /** pcapng only; defaults to 0. */
  interfaceId?: number;
  /** pcapng only (opt_comment). */
  comment?: string;
}
