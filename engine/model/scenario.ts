/**
 * The scenario document: one JSON object that says what a scenario is (resources, traffic, what
 * happens when, where to capture) and nothing about a run's results. Files, share URLs, autosave
 * and the gallery all hold this same versioned document; `restoreScenario` (restore.ts) is the one
 * door every copy comes in through.
 */
import { z } from 'zod';
import { Description, Id, Name, Point, Ref } from './primitives.ts';
import {
  InternetHostSchema,
  NicSchema,
  PublicIpPrefixSchema,
  PublicIpSchema,
  SubnetSchema,
  VmSchema,
  VnetSchema,
} from './kinds/network.ts';
import { LoadBalancerSchema, Protocol } from './kinds/load-balancer.ts';
import { NatGatewaySchema, NvaSchema } from './kinds/nat.ts';
import { AwsNatGatewaySchema, GcpCloudNatSchema } from './kinds/cloud-nat.ts';
import { LinuxRouterSchema, RouteTableSchema } from './kinds/routing.ts';

/** The document format version this build writes. Older versions are migrated (migrate.ts). */
export const SCENARIO_VERSION = 1;

/** Every resource kind, keyed by its `kind`. Later behaviours add their kinds here. */
export const RESOURCE_SCHEMAS = {
  vnet: VnetSchema,
  subnet: SubnetSchema,
  vm: VmSchema,
  nic: NicSchema,
  publicIp: PublicIpSchema,
  publicIpPrefix: PublicIpPrefixSchema,
  internetHost: InternetHostSchema,
  loadBalancer: LoadBalancerSchema,
  natGateway: NatGatewaySchema,
  nva: NvaSchema,
  awsNatGateway: AwsNatGatewaySchema,
  gcpCloudNat: GcpCloudNatSchema,
  routeTable: RouteTableSchema,
  linuxRouter: LinuxRouterSchema,
} as const;

export type ResourceKind = keyof typeof RESOURCE_SCHEMAS;
export const RESOURCE_KINDS = Object.keys(RESOURCE_SCHEMAS) as ResourceKind[];

export const ResourceSchema = z.discriminatedUnion('kind', [
  VnetSchema,
  SubnetSchema,
  VmSchema,
  NicSchema,
  PublicIpSchema,
  PublicIpPrefixSchema,
  InternetHostSchema,
  LoadBalancerSchema,
  NatGatewaySchema,
  NvaSchema,
  AwsNatGatewaySchema,
  GcpCloudNatSchema,
  RouteTableSchema,
  LinuxRouterSchema,
]);

/**
 * A traffic target: "web:80" (a resource id and a port) or "13.71.134.177:80"; for ping just
 * "web" or an address.
 */
export const Target = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+(:\d{1,5})?$/, 'a target is "host:port" or "1.2.3.4:port" (ping: no port)');

const trafficBase = {
  id: Id,
  from: Ref.describe('the VM or Internet host that starts the traffic'),
  to: Target,
  startMs: z.number().min(0).default(0),
  count: z.number().int().min(1).max(1_000_000).default(1),
  intervalMs: z.number().min(0).default(100),
};

export const TrafficSchema = z.discriminatedUnion('type', [
  z
    .object({
      ...trafficBase,
      type: z.literal('tcp'),
      holdMs: z.number().min(0).optional().describe('close each connection this long after it is established; absent = hold open'),
      request: z.enum(['none', 'http']).default('none').describe('http: send a GET once established (the echo service answers)'),
      bind: z.string().optional().describe('local address to bind (e.g. a floating IP on the loopback)'),
    })
    .strict(),
  z
    .object({
      ...trafficBase,
      type: z.literal('udp'),
      payloadBytes: z.number().int().min(0).max(1472).default(32),
    })
    .strict(),
  z
    .object({
      ...trafficBase,
      type: z.literal('ping'),
      payloadBytes: z.number().int().min(0).max(1472).default(56),
    })
    .strict(),
  z
    .object({
      ...trafficBase,
      type: z.literal('tcpping'),
      count: z.number().int().min(1).max(100_000).default(10).describe('pings counted (ethr -d: count × interval); one warm-up ping comes first'),
      intervalMs: z.number().min(1).default(1000).describe('the gap between pings (ethr -g, default 1 s)'),
    })
    .strict()
    .describe('TCP ping like "ethr -c TARGET -p tcp -t pi": connect, time the handshake, reset; ethr\'s statistics in the report'),
]);

/** Things that happen at a virtual time, as a person would do them during a run. */
export const TimelineActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('stopService'), host: Ref, port: z.number().int().min(1).max(65535) }).strict(),
  z.object({ action: z.literal('startService'), host: Ref, port: z.number().int().min(1).max(65535) }).strict(),
  z
    .object({ action: z.literal('redeploy'), vm: Ref.describe('the VM to redeploy (its default outbound address changes)') })
    .strict()
    .describe('Redeploy VM: Azure moves it to another host; default outbound access gives it another public IP'),
  z
    .object({
      action: z.literal('updateOutboundRule'),
      lb: Ref.describe('the load balancer'),
      rule: Name.describe('the outbound rule to change'),
      allocatedOutboundPorts: z.number().int().min(0).max(64000).optional().describe('SNAT ports per backend instance, a multiple of 8 (0 = default table)'),
      idleTimeoutInMinutes: z.number().int().min(4).max(120).optional(),
      enableTcpReset: z.boolean().optional(),
      protocol: Protocol.optional(),
    })
    .strict()
    .describe('az network lb outbound-rule update: connections made from then on follow the new values'),
]);

export const TimelineEntrySchema = z.object({ atMs: z.number().min(0) }).and(TimelineActionSchema);

export const CaptureSchema = z
  .object({
    id: Id,
    node: Ref.describe('the VM, NVA, Internet host or other node to capture on'),
    iface: z.string().optional().describe('one interface of the node (e.g. a NIC id); absent = all'),
    filter: z.string().optional().describe('a capture filter in tcpdump syntax (host, net, port, tcp, udp, icmp, and/or/not)'),
  })
  .strict();

export const SettingsSchema = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    durationSeconds: z.number().min(0.001).max(86_400).default(180).describe('how much virtual time a run covers'),
    linkLatencyUs: z.number().int().min(0).max(10_000_000).default(50).describe('one-way latency of a hop inside a VNet'),
    internetLatencyUs: z.number().int().min(0).max(10_000_000).default(1_000).describe('one-way latency across the Internet'),
    latency: z
      .object({
        hostStackUs: z.number().int().min(0).max(10_000_000).optional().describe('guest stack + NIC to the host, per crossing (default 50)'),
        vnetHopUs: z.number().int().min(0).max(10_000_000).optional().describe('one hop across the region fabric (default 625)'),
        lbProcessingUs: z.number().int().min(0).max(10_000_000).optional().describe('load balancer / public IP rewrite, per pass (default 10)'),
        gwlbProcessingUs: z.number().int().min(0).max(10_000_000).optional().describe('gateway load balancer, per pass: twice per direction through a chain (default 430)'),
        nvaProcessingUs: z.number().int().min(0).max(10_000_000).optional().describe('an NVA behind a gateway load balancer, eth0 in to eth0 out (default 100)'),
        internetUs: z.number().int().min(0).max(10_000_000).optional().describe('Internet host to the region edge, one way (default 10,000)'),
        jitter: z.number().min(0).max(1).optional().describe('per-hop jitter: base × (1 ± jitter), 0 = exact'),
      })
      .strict()
      .optional()
      .describe('the calibrated latency model (engine/net/latency: VM to a public IP in the region ≈ 1.47 ms round trip); absent = linkLatencyUs and internetLatencyUs'),
    healthProbes: z
      .enum(['assumeUp', 'packets'])
      .default('assumeUp')
      .describe('load balancer health probes: packets = real probes from 168.63.129.16 to the backends; assumeUp = no probe packets, every backend counts as healthy'),
  })
  .strict();

export const LayoutEntrySchema = Point.extend({
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
}).strict();

export const ScenarioSchema = z
  .object({
    netplay: z.literal(SCENARIO_VERSION).describe('the document format version'),
    name: Name,
    description: Description.default(''),
    settings: SettingsSchema.default(SettingsSchema.parse({})),
    resources: z.array(ResourceSchema).default([]),
    traffic: z.array(TrafficSchema).default([]),
    timeline: z.array(TimelineEntrySchema).default([]),
    captures: z.array(CaptureSchema).default([]),
    decodeAs: z.array(z.string()).default([]).describe('decode-as rules in tshark -d syntax, e.g. "udp.port==10800,vxlan"'),
    layout: z.record(z.string(), LayoutEntrySchema).default({}).describe('canvas positions by resource id'),
  })
  .strict();

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Resource = z.output<typeof ResourceSchema>;
export type Traffic = z.output<typeof TrafficSchema>;
export type TimelineEntry = z.output<typeof TimelineEntrySchema>;
export type TimelineAction = z.output<typeof TimelineActionSchema>;
export type Capture = z.output<typeof CaptureSchema>;
export type Settings = z.output<typeof SettingsSchema>;
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { kind: K }>;

/** The resource a timeline entry acts on (a host, a VM or a load balancer). */
export function timelineTarget(e: TimelineAction): string {
  switch (e.action) {
    case 'stopService':
    case 'startService':
      return e.host;
    case 'redeploy':
      return e.vm;
    case 'updateOutboundRule':
      return e.lb;
  }
}

/** The same entry acting on `id` instead (a rename). */
export function retargetTimeline<E extends TimelineAction>(e: E, id: string): E {
  switch (e.action) {
    case 'stopService':
    case 'startService':
      return { ...e, host: id } as E;
    case 'redeploy':
      return { ...e, vm: id } as E;
    case 'updateOutboundRule':
      return { ...e, lb: id } as E;
  }
  return e;
}
