/**
 * engine/dissect/filter: the two filter languages of the capture panel.
 * - Display filters (Wireshark syntax) test a dissected frame's fields: `compileDisplayFilter`.
 * - Capture filters (tcpdump / pcap-filter(7) syntax) test raw frame bytes at capture points,
 *   without a dissector: `compileCaptureFilter`.
 * Both compile once to closures and report errors as { message, offset, length } into the text.
 * See README.md for the grammar and the semantics chosen where the tools are subtle.
 */
export { compileDisplayFilter, type DisplayFilter, type DisplayFilterResult, type FieldMap } from './display.ts';
export { compileCaptureFilter, type CaptureFilter, type CaptureFilterResult } from './capture.ts';
export type { FilterError } from './display-parse.ts';
export { FIELD_TYPES, PROTOCOL_MARKERS, TYPE_NAMES, lookupName, type FieldType } from './registry.ts';
