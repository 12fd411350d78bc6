/**
 * Where each kind of resource points at other resources. Validation (dangling and wrong-kind
 * references), the canvas (edges) and deletion (what else must change) all read this one table.
 */
import { splitSubRef } from './primitives.ts';
import type { Resource, ResourceKind, Scenario } from './scenario.ts';

export type PartKind = 'frontend' | 'backendPool';

export interface ReferenceSpec {
  /** Path inside the resource, e.g. ["ipConfigs", 0, "publicIp"]. */
  readonly path: readonly (string | number)[];
  /** The id, or "id/part" for a part reference. */
  readonly target: string;
  readonly kinds: readonly ResourceKind[];
  readonly part?: PartKind;
}

export function referencesOf(r: Resource): ReferenceSpec[] {
  const out: ReferenceSpec[] = [];
  const add = (path: (string | number)[], target: string | undefined, kinds: ResourceKind[], part?: PartKind) => {
    if (target !== undefined) out.push(part ? { path, target, kinds, part } : { path, target, kinds });
  };
  switch (r.kind) {
    case 'subnet':
      add(['vnet'], r.vnet, ['vnet']);
      add(['natGateway'], r.natGateway, ['natGateway', 'awsNatGateway', 'gcpCloudNat']);
      add(['routeTable'], r.routeTable, ['routeTable']);
      break;
    case 'nic':
      add(['vm'], r.vm, ['vm', 'nva', 'linuxRouter']);
      add(['subnet'], r.subnet, ['subnet']);
      r.ipConfigs.forEach((c, i) => {
        add(['ipConfigs', i, 'publicIp'], c.publicIp, ['publicIp']);
        c.loadBalancerBackendPools.forEach((p, j) =>
          add(['ipConfigs', i, 'loadBalancerBackendPools', j], p, ['loadBalancer'], 'backendPool'),
        );
        add(['ipConfigs', i, 'gatewayLoadBalancer'], c.gatewayLoadBalancer, ['loadBalancer'], 'frontend');
      });
      break;
    case 'loadBalancer':
      r.frontends.forEach((f, i) => {
        add(['frontends', i, 'publicIp'], f.publicIp, ['publicIp']);
        add(['frontends', i, 'publicIpPrefix'], f.publicIpPrefix, ['publicIpPrefix']);
        add(['frontends', i, 'subnet'], f.subnet, ['subnet']);
        add(['frontends', i, 'gatewayLoadBalancer'], f.gatewayLoadBalancer, ['loadBalancer'], 'frontend');
      });
      break;
    case 'natGateway':
      r.publicIps.forEach((p, i) => add(['publicIps', i], p, ['publicIp']));
      r.publicIpPrefixes.forEach((p, i) => add(['publicIpPrefixes', i], p, ['publicIpPrefix']));
      break;
    case 'awsNatGateway':
      r.publicIps.forEach((p, i) => add(['publicIps', i], p, ['publicIp']));
      break;
    case 'gcpCloudNat':
      r.natIps.forEach((p, i) => add(['natIps', i], p, ['publicIp']));
      break;
    default:
      break;
  }
  return out;
}

/** Looks up a resource by id; the index is built once per document. */
export class ResourceIndex {
  readonly byId = new Map<string, Resource>();
  constructor(readonly scenario: Scenario) {
    for (const r of scenario.resources) if (!this.byId.has(r.id)) this.byId.set(r.id, r);
  }
  get<K extends ResourceKind>(id: string | undefined, kind: K): Extract<Resource, { kind: K }> | undefined {
    if (id === undefined) return undefined;
    const r = this.byId.get(id);
    return r && r.kind === kind ? (r as Extract<Resource, { kind: K }>) : undefined;
  }
  ofKind<K extends ResourceKind>(kind: K): Extract<Resource, { kind: K }>[] {
    return this.scenario.resources.filter((r): r is Extract<Resource, { kind: K }> => r.kind === kind);
  }
  /** Resolves "lb/part" to the load balancer and the named frontend or pool. */
  part(ref: string, part: PartKind) {
    const [id, name] = splitSubRef(ref);
    const lb = this.get(id, 'loadBalancer');
    if (!lb) return undefined;
    if (part === 'frontend') {
      const frontend = lb.frontends.find((f) => f.name === name);
      return frontend ? { lb, frontend } : undefined;
    }
    const pool = lb.backendPools.find((p) => p.name === name);
    return pool ? { lb, pool } : undefined;
  }
}
