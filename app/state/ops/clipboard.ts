/**
 * Copy and paste. Copying takes the selection with what it cannot live without (a host's NICs, a
 * container's contents). Pasting gives every resource a new id and name, fresh private and public
 * addresses, keeps references inside the pasted set (remapped), keeps references to resources
 * outside it that may be shared (a subnet, a backend pool, a NAT gateway), and drops those that
 * may not (a public IP serves one thing at a time).
 */
import { ipToNumber, nextFreeIp, nextFreePublicIp, nextFreeSubnetPrefix, nextFreeVnetSpace, uniqueName } from '../../../engine/model/derive.ts';
import { referencesOf } from '../../../engine/model/references.ts';
import type { Resource, Scenario } from '../../../engine/model/scenario.ts';
import { parentOf } from '../geometry.ts';
import { INTERNET_BLOCK, PUBLIC_IP_BLOCK } from './create.ts';
import { removalOrder, removeIn, setIn, type Path } from './paths.ts';
import { addResources } from './resources.ts';

export interface ClipboardPayload {
  readonly netplayClipboard: 1;
  readonly resources: Resource[];
  readonly layout: Scenario['layout'];
}

const ORDER: Resource['kind'][] = ['vnet', 'routeTable', 'subnet', 'publicIp', 'publicIpPrefix', 'natGateway', 'awsNatGateway', 'gcpCloudNat', 'internetHost', 'vm', 'nva', 'linuxRouter', 'loadBalancer', 'nic'];

export function copyResources(doc: Scenario, ids: readonly string[]): ClipboardPayload | null {
  const take = new Set(ids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of doc.resources) {
      if (take.has(r.id)) continue;
      const inside = (r.kind === 'nic' && (take.has(r.vm) || take.has(r.subnet))) || (r.kind === 'subnet' && take.has(r.vnet)) || ((r.kind === 'vm' || r.kind === 'nva') && take.has(parentOf(doc, r) ?? ''));
      if (inside) {
        take.add(r.id);
        grew = true;
      }
    }
  }
  const resources = doc.resources.filter((r) => take.has(r.id));
  if (!resources.length) return null;
  const layout: Scenario['layout'] = {};
  for (const r of resources) if (doc.layout[r.id]) layout[r.id] = doc.layout[r.id]!;
  return { netplayClipboard: 1, resources, layout };
}

const stemOf = (id: string) => id.replace(/[-_.]?\d+$/, '') || 'r';

/** Pastes a payload into `doc`; returns the new document and the ids of the pasted resources. */
export function pasteResources(doc: Scenario, payload: ClipboardPayload, offset = 40): { doc: Scenario; ids: string[] } {
  const ids = new Map<string, string>();
  const reserved = new Set<string>();
  for (const r of payload.resources) {
    const id = uniqueName(doc, stemOf(r.id), reserved);
    reserved.add(id);
    ids.set(r.id, id);
  }
  const sorted = [...payload.resources].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  let out = doc;
  for (const r of sorted) {
    const next = freshAddresses(out, remapReferences(r, ids));
    const box = payload.layout[r.id];
    const topLevel = parentOf({ ...doc, resources: payload.resources }, r) === undefined || !ids.has(parentOf({ ...doc, resources: payload.resources }, r) ?? '');
    const layout = box ? { [next.id]: topLevel ? { ...box, x: box.x + offset, y: box.y + offset } : box } : {};
    out = addResources(out, [next], layout);
  }
  return { doc: out, ids: [...ids.values()] };
}

function remapReferences(r: Resource, ids: ReadonlyMap<string, string>): Resource {
  let out: Resource = { ...r, id: ids.get(r.id) ?? r.id, name: ids.get(r.id) ?? r.name };
  const drop: Path[] = [];
  for (const ref of referencesOf(r)) {
    const [target, part] = ref.target.split('/');
    const mapped = ids.get(target ?? '');
    if (mapped !== undefined) out = setIn(out, ref.path, part === undefined ? mapped : `${mapped}/${part}`);
    else if (ref.kinds.includes('publicIp') || ref.kinds.includes('publicIpPrefix')) drop.push(ref.path);
  }
  for (const p of removalOrder(drop)) out = removeIn(out, p);
  return out;
}

/** New addresses for the pasted copy, so that it never collides with the original. */
function freshAddresses(doc: Scenario, r: Resource): Resource {
  switch (r.kind) {
    case 'vnet':
      return { ...r, addressSpace: [nextFreeVnetSpace(doc)] };
    case 'subnet':
      return { ...r, addressPrefix: nextFreeSubnetPrefix(doc, r.vnet) ?? r.addressPrefix };
    case 'linuxRouter': {
      // Uplinks are addresses on the Internet: the copy gets its own (its rules are kept as typed).
      const taken = new Set<number>();
      for (const x of doc.resources) if (x.kind === 'linuxRouter') for (const u of x.uplinks) taken.add(ipToNumber(u.address) ?? -1);
      const uplinks = r.uplinks.map((u) => {
        const address = nextFreePublicIp(doc, INTERNET_BLOCK, taken) ?? u.address;
        taken.add(ipToNumber(address) ?? -1);
        return { ...u, address };
      });
      return { ...r, uplinks };
    }
    case 'publicIp':
    case 'internetHost':
      return { ...r, address: nextFreePublicIp(doc, r.kind === 'publicIp' ? PUBLIC_IP_BLOCK : INTERNET_BLOCK) ?? r.address };
    case 'nic': {
      const taken = new Set<number>();
      const ipConfigs = r.ipConfigs.map((c) => {
        const ip = nextFreeIp(doc, r.subnet, taken) ?? c.privateIp;
        const n = ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
        taken.add(n);
        return { ...c, privateIp: ip };
      });
      return { ...r, ipConfigs };
    }
    case 'loadBalancer':
      return {
        ...r,
        frontends: r.frontends.map((f) => (f.subnet !== undefined && f.privateIp !== undefined ? { ...f, privateIp: nextFreeIp(doc, f.subnet) ?? f.privateIp } : f)),
      };
    default:
      return r;
  }
}
