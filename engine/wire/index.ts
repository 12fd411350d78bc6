/** engine/wire: byte-level headers. See README.md. */
export * from './addr.ts';
export * from './checksum.ts';
export * from './result.ts';
export * from './ethernet.ts';
export * from './ipv4.ts';
export * from './ipv6.ts';
export * from './icmpv4.ts';
export * from './icmpv6.ts';
export * from './tcp-options.ts';
export * from './tcp.ts';
export * from './udp.ts';
export * from './vxlan.ts';
export * from './frame.ts';
