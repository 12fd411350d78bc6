/** Public API of engine/pcap: classic pcap and pcapng reading, indexing and writing. */
export * from './types.ts';
export { CaptureReader, readCapture, interfaceOf } from './reader.ts';
export { indexCapture, indexEntry, type CaptureIndex, type CaptureIndexEntry } from './capture-index.ts';
export { PcapWriter, PcapngWriter, writePcap, writePcapng, type PcapWriterOptions, type PcapngInterfaceSpec, type PcapngWriterOptions } from './writer.ts';
export { parseSll, parseSll2, parseCooked, SLL_PACKET_TYPE, SLL_HEADER_LENGTH, SLL2_HEADER_LENGTH, type SllHeader } from './sll.ts';
export { decodeTsresol, type TsResolution } from './timestamp.ts';
