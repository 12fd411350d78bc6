/** engine/net/netfilter: a Linux router's iptables (nat, filter), conntrack and NAT. See README.md. */
export * from './types.ts';
export { parseCommand, parseRule, type CommandSpans, type ParseResult } from './parse.ts';
export { tokenize, type Token } from './tokenize.ts';
export { listRules, listTable, printRule, ruleSpec, saveString, printNum } from './print.ts';
export { Ruleset, ruleMatches, ifaceMatches, type ApplyResult, type Chain, type MatchContext, type RuleEntry, type TraverseResult } from './ruleset.ts';
export {
  ConntrackTable,
  DEFAULT_TIMEOUTS,
  invertTuple,
  packetTuple,
  tupleKey,
  IPS_ASSURED,
  IPS_SEEN_REPLY,
  IPS_SRC_NAT,
  IPS_DST_NAT,
  type Conn,
  type ConntrackOptions,
  type ConntrackStats,
  type ConntrackTimeouts,
  type Tuple,
} from './conntrack.ts';
export { DEFAULT_TCP_TIMEOUTS, TCP_STATES, tcpStateName, type TcpState, type TcpTimeouts } from './tcp-conntrack.ts';
export { Nat, bestAddress, jhash2, type NatRange, type RandomSource, type ManipType } from './nat.ts';
export { Netfilter, type CtInfo, type HookIfaces, type HookResult, type NetfilterOptions, type SkbState, type Verdict } from './netfilter.ts';
export { formatConntrackEntry, formatConntrackList } from './conntrack-print.ts';
export { LinuxRouter, parseRoute, type Route, type RouterInterface, type RouterOptions, type RouterResult } from './router.ts';
export { classifyLinuxNat, type NatBehaviour, type Rfc4787Filtering, type Rfc4787Mapping } from './rfc4787.ts';
