/** engine/net/latency: per-hop latency model and ethr-style TCP ping. See README.md. */
export * from './model.ts';
export * from './ethr.ts';
export * from './tcp-ping.ts';
