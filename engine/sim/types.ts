/**
 * What a run produces, as plain serialisable data: the trace, socket tables, flows, drops and the
 * report. These types cross the worker boundary (structured clone) and are printed by the CLI, so
 * they hold strings and numbers only: no Maps, no class instances, no functions.
 *
 * Times are virtual microseconds since the start of the run (`t`).
 */

/** A packet's headers as a person reads them. Addresses are dotted quads. */
export interface PacketView {
  readonly eth?: { src: string; dst: string };
  readonly ip: { src: string; dst: string; ttl: number; protocol: number; id: number; length: number };
  readonly tcp?: { srcPort: number; dstPort: number; seq: number; ack: number; flags: string; window: number; len: number };
  readonly udp?: { srcPort: number; dstPort: number; len: number };
  readonly icmp?: { type: number; code: number; id?: number; seq?: number };
  /** For an encapsulated packet: the VXLAN header and the packet inside. */
  readonly vxlan?: { vni: number; inner: PacketView };
}

export type TraceKind =
  | 'send' // a host's stack emitted the packet
  | 'hop' // the packet crossed a link from `node` to `to`
  | 'rewrite' // a NAT/LB changed headers: `before` and `after`
  | 'encap' // wrapped in a tunnel (VXLAN): `after` is the outer packet
  | 'decap' // unwrapped: `after` is the inner packet
  | 'deliver' // a host's stack accepted it
  | 'drop' // it went no further: `code` and `reason`
  | 'socket' // a socket changed state: `socket` and `state`
  | 'note'; // anything else a person should see in the trace (a timeline action, a timer)

export interface TraceEvent {
  /** 0-based position in the trace: events are totally ordered. */
  readonly seq: number;
  /** Virtual time in microseconds. */
  readonly t: number;
  readonly kind: TraceKind;
  /** The resource id where it happened. */
  readonly node: string;
  /** The interface on that node (a NIC id, "lo", "vxlan-ext", ...), when it matters. */
  readonly iface?: string;
  /** For a hop: the node the packet is travelling to. */
  readonly to?: string;
  /** One packet keeps its id across rewrites and encapsulation, so it can be followed. */
  readonly packetId?: number;
  /** The connection (or datagram exchange) the packet belongs to: the same in both directions. */
  readonly flowId?: number;
  /** One line, like tshark's Info column: "10.0.0.4:40000 → 13.71.134.177:80 [SYN] Seq=0". */
  readonly summary: string;
  readonly packet?: PacketView;
  readonly before?: PacketView;
  readonly after?: PacketView;
  /** For drops: a stable code ("no-outbound", "no-route", "port-closed", "ttl-exceeded", ...). */
  readonly code?: string;
  /** For drops: a sentence that says why, naming the rule, node and destination. */
  readonly reason?: string;
  /** For socket events. */
  readonly socket?: string;
  readonly state?: string;
}

/** One row of a host's socket table, as netstat -tan / ss -tan shows it. */
export interface SocketRow {
  readonly proto: 'tcp' | 'udp';
  readonly local: string; // "10.0.0.4:40000"
  readonly remote: string; // "13.71.134.177:80" or "0.0.0.0:*" for a listener
  readonly state: string; // LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING, CLOSED
  readonly flowId?: number;
}

export type FlowOutcome =
  | 'established' // the handshake completed (and the connection is still open or closed cleanly)
  | 'closed' // completed and then closed by FIN
  | 'reset' // a RST ended it
  | 'timed-out' // the connect gave up after its SYN retries
  | 'pending' // still trying when the run ended
  | 'answered' // UDP/ICMP: a reply came back
  | 'unanswered'; // UDP/ICMP: no reply

export interface FlowRow {
  readonly flowId: number;
  readonly traffic?: string; // the traffic generator id that made it
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly from: string; // host id
  readonly local: string; // the private 5-tuple's source "10.0.0.4:40000"
  readonly remote: string; // "13.71.134.177:80"
  /** What the far end saw as the source (after SNAT), when it saw anything. */
  readonly seenAs?: string;
  readonly outcome: FlowOutcome;
  readonly startedAt: number;
  readonly endedAt?: number;
  /** Handshake (or echo) round-trip time in µs, when there was one. */
  readonly rttUs?: number;
  /** What an echo service answered (the body), when it did. */
  readonly response?: string;
  /** Why the flow could not start, when it could not (e.g. "EADDRNOTAVAIL: no free ephemeral port"). */
  readonly error?: string;
}

export interface DropRow {
  readonly t: number;
  readonly node: string;
  readonly code: string;
  readonly reason: string;
  readonly packetId: number;
  readonly flowId?: number;
  readonly summary: string;
}

/** What `netplay run --json` prints and what the app's panels read. */
export interface RunReport {
  readonly scenario: string;
  readonly seed: number;
  readonly until: number; // virtual µs reached
  readonly events: number;
  readonly sockets: Record<string, SocketRow[]>; // by host name
  readonly flows: FlowRow[];
  readonly drops: DropRow[];
  readonly captures: { id: string; node: string; iface?: string; frames: number }[];
  /** SNAT devices, allocations, mappings and per-minute metrics; absent when nothing SNATs. */
  readonly snat?: SnatReport;
  /** TCP ping runs (traffic type 'tcpping'), ethr's numbers; absent when the scenario has none. */
  readonly tcpping?: TcpPingResult[];
  /** Load balancers with inbound rules: probe states, the mapping table; absent when none carried a flow or sent a probe. */
  readonly loadBalancers?: LbInspectorRow[];
  /** Linux routers and NVAs: their iptables and conntrack, as the real tools print them; absent when there are none. */
  readonly netfilter?: NetfilterRow[];
}

// ---- Linux routers and NVAs (engine/net/netfilter, engine/net/router-node.ts, engine/net/gwlb) ----

/** One interface of a Linux router or NVA. */
export interface NetfilterIfaceRow {
  /** eth0, eth1, ... (an NVA also has vxlan-in, vxlan-ex and br0). */
  readonly name: string;
  /** Addresses with their prefix, "10.0.1.4/24". */
  readonly addresses: string[];
  /** The NIC resource behind it, if any (an uplink has none). */
  readonly nic?: string;
  /** What it is attached to, in words: "subnet 'clients' (10.0.1.0/24)", "the Internet", "bridge br0". */
  readonly attached: string;
}

/** A Linux router's (or an NVA's) netfilter now, printed as iptables 1.8.9 and conntrack print it. */
export interface NetfilterRow {
  /** The resource id. */
  readonly node: string;
  readonly name: string;
  readonly kind: 'linuxRouter' | 'nva';
  readonly interfaces: NetfilterIfaceRow[];
  /** `ip route` output. */
  readonly routes: string[];
  /** `iptables -S` followed by `iptables -t nat -S`. */
  readonly rules: string;
  /** `iptables -t nat -L -v -n` (counters: connections, as the kernel counts the nat table). */
  readonly natTable: string;
  /** `iptables -L -v -n` (the filter table). */
  readonly filterTable: string;
  /** `conntrack -L` lines. */
  readonly conntrack: string[];
  /** Conntrack counters: entries now, nf_conntrack_max, insert_failed, drop, early_drop. */
  readonly conntrackStats: { readonly entries: number; readonly max: number; readonly insertFailed: number; readonly drop: number; readonly earlyDrop: number };
  /** RFC 4787 mapping/filtering of its nat rules, with the consequence in words. */
  readonly behaviour: SnatBehaviourRow;
  /** Rule lines the document holds that iptables refused: "iptables[2]: iptables v1.8.9: ...". */
  readonly errors: string[];
}

// ---- TCP ping (engine/net/tcp-ping.ts) --------------------------------------------------------

/** ethr's handshake latency statistics, in nanoseconds. */
export interface TcpPingStats {
  readonly avg: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly p9999: number;
  readonly max: number;
}

/** One `ethr -p tcp -t pi` run. */
export interface TcpPingResult {
  readonly traffic: string;
  /** The host it ran from (name). */
  readonly from: string;
  /** "[20.1.2.3]:8888", as ethr prints it. */
  readonly dialAddr: string;
  /** False while the run goes on (the counters then are 0). */
  readonly finished: boolean;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  /** Null when nothing was received. */
  readonly stats: TcpPingStats | null;
  /** What ethr prints: per-ping lines and the summary block. */
  readonly text: string;
}

// ---- Inbound load balancing (engine/net/lb-plane.ts) ------------------------------------------

/** One row of a load balancer's full mapping table (doc load-balancer-floating-ip). */
export interface LbMappingRow {
  readonly rule: string;
  readonly frontendIp: string;
  readonly protocol: string;
  /** Frontend port; 0 = HA ports (every port). */
  readonly port: number;
  readonly floatingIp: boolean;
  /** As the doc writes it: "Same as frontend (65.52.0.1)" or the members' DIPs. */
  readonly destination: string;
  readonly destinationPort: string;
}

/** One health probe's view of one backend. */
export interface LbProbeRow {
  readonly probe: string;
  readonly member: string;
  readonly dip: string;
  /** probing (not yet answered), up, down. */
  readonly state: string;
  /** The last answer: "SYN+ACK", "RST", "HTTP 503", "timeout". */
  readonly last: string;
}

export interface LbInspectorRow {
  readonly id: string;
  readonly name: string;
  readonly mapping: LbMappingRow[];
  /** The mapping table as a text table (the CLI prints it). */
  readonly mappingText: string;
  readonly probes: LbProbeRow[];
  /** Flows in the load balancer's flow table now. */
  readonly flows: number;
  /** Every pool member and how many new flows the load balancer sent it so far. */
  readonly backends: { pool: string; member: string; dip: string; newFlows: number }[];
  /** Sentences about rules Azure would refuse or that cannot work. */
  readonly warnings: string[];
}

/** A frame recorded at a capture point: the real bytes, with where and when. */
export interface CapturedFrame {
  readonly t: number; // virtual µs
  readonly captureId: string;
  readonly node: string;
  readonly iface: string;
  readonly linkType: number; // 1 Ethernet
  readonly data: Uint8Array;
  readonly packetId: number;
  readonly direction: 'in' | 'out';
}

// ---- SNAT (engine/net/snat-plane.ts) ---------------------------------------------------------

export type SnatMechanism = 'lb-outbound-rule' | 'lb-rule-snat' | 'nat-gateway' | 'aws-nat-gateway' | 'gcp-cloud-nat' | 'default-outbound';

/** One SNAT device: an outbound rule, a load-balancing rule's implicit SNAT, a NAT gateway, or a VM's default outbound access. */
export interface SnatDeviceRow {
  /** Stable key, e.g. "lb/outboundRules/outboundrule", "natgw", "default-outbound/vm1/ipconfig1". */
  readonly id: string;
  readonly mechanism: SnatMechanism;
  /** How a person names it: "outbound rule 'outboundrule' of load balancer 'lb'". */
  readonly name: string;
  /** The resource that owns it (load balancer, NAT gateway, VM). */
  readonly resource: string;
  /** The rule name, for load balancer devices (what updateOutboundRule names). */
  readonly rule?: string;
  readonly publicIps: string[];
  readonly protocol: 'Tcp' | 'Udp' | 'All';
  /** Ports per backend instance (load balancer, default outbound); absent for a NAT gateway (on demand). */
  readonly portsPerInstance?: number;
  /** The rule's allocatedOutboundPorts as configured (0 = default table). */
  readonly allocatedOutboundPorts?: number;
  readonly idleTimeoutInMinutes: number;
  readonly enableTcpReset: boolean;
  readonly instances: string[];
  /** Why the device cannot SNAT (a configuration Azure would refuse), when it cannot. */
  readonly error?: string;
  /** RFC 4787 mapping and filtering behaviour, with its consequence (engine/net/nat-behaviour.ts). */
  readonly behaviour?: SnatBehaviourRow;
  /** The node that translates, when it is not the device: Cloud NAT's VMs' own hosts ("each VM's host"). */
  readonly translatedBy?: string;
}

/** RFC 4787 terms: mapping EIM / ADM / APDM, filtering EIF / ADF / APDF. */
export interface SnatBehaviourRow {
  readonly mapping: string;
  readonly filtering: string;
  readonly explanation: string;
}

/** An AWS NAT gateway's CloudWatch metrics (§E): counts since the start of the run, ActiveConnectionCount now. */
export interface SnatAwsMetricsRow {
  readonly device: string;
  readonly ActiveConnectionCount: number;
  readonly ConnectionAttemptCount: number;
  readonly ConnectionEstablishedCount: number;
  readonly ErrorPortAllocation: number;
  readonly IdleTimeoutCount: number;
  readonly PacketsDropCount: number;
}

/** A Cloud NAT VM's dropped_sent_packets_count by reason (§F), since the start of the run. */
export interface SnatGcpDropRow {
  readonly device: string;
  readonly vm: string;
  readonly allocatedPorts: number;
  readonly OUT_OF_RESOURCES: number;
  readonly ENDPOINT_INDEPENDENT_CONFLICT: number;
}

/** Ports of one frontend (public) IP of a device, per protocol. */
export interface SnatFrontendRow {
  readonly device: string;
  readonly frontendIp: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly allocated: number;
  readonly used: number;
}

/** One backend instance's ports from one frontend IP, per protocol (Azure Monitor's dimensions). */
export interface SnatInstanceRow {
  readonly device: string;
  readonly instance: string;
  readonly frontendIp: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly allocated: number;
  /** Ports no longer allocated that still carry flows (IsAwaitingRemoval=true). */
  readonly awaitingRemoval: number;
  readonly used: number;
  /** SNAT connections since the start of the run. */
  readonly successful: number;
  readonly failed: number;
}

/** One SNAT mapping: the private 5-tuple, the public one, its state and what happens when. */
export interface SnatMappingRow {
  readonly device: string;
  readonly instance: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  /** Private source "10.8.0.4:41290"; public source "20.48.1.20:1024"; destination "13.71.134.177:80". */
  readonly private: string;
  readonly public: string;
  readonly remote: string;
  /** syn-sent, established, fin-seen-one, fin-seen-both, closed-by-rst, udp, cooling. */
  readonly state: string;
  readonly createdAt: number;
  readonly lastActivity: number;
  /** µs until the deadline (idle timeout, port release or end of cool-down). */
  readonly remainingUs: number;
  /** What happens at the deadline: idle, half-open, fin-release, rst-release, cooldown-end. */
  readonly then: string;
}

/** Azure Monitor-like series, sampled once per virtual minute, per device × frontend IP × instance × protocol. */
export interface SnatSeries {
  readonly device: string;
  readonly frontendIp: string;
  /** A backend instance (VM name), or "(all VMs)" for a NAT gateway. */
  readonly instance: string;
  readonly protocol: 'TCP' | 'UDP';
  /** Sample times, µs. */
  readonly t: number[];
  /** Allocated SNAT Ports (Average). */
  readonly allocated: number[];
  /** Used SNAT Ports (Average). */
  readonly used: number[];
  /** SNAT Connection Count in the minute before each sample (Total), ConnectionState successful / failed. */
  readonly successful: number[];
  readonly failed: number[];
}

export interface SnatReport {
  readonly devices: SnatDeviceRow[];
  readonly frontends: SnatFrontendRow[];
  readonly instances: SnatInstanceRow[];
  readonly mappings: SnatMappingRow[];
  /** Mappings in all (before any filter or limit). */
  readonly mappingCount: number;
  readonly series: SnatSeries[];
  /** AWS NAT gateways' CloudWatch metrics (absent when the run has none). */
  readonly aws?: SnatAwsMetricsRow[];
  /** Cloud NAT drops per VM (absent when the run has no Cloud NAT). */
  readonly gcp?: SnatGcpDropRow[];
  /** 60,000,000: metrics are sampled once per virtual minute. */
  readonly sampleEveryUs: number;
}
