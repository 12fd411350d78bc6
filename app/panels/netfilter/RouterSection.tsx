/**
 * The inspector's sections for a Linux router: its interfaces as the kernel names them (eth0 =
 * NIC x, 10.0.1.4/24; eth2 = uplink 203.0.113.5/24), and the RFC 4787 behaviour of its source
 * NAT as its rules make it (engine/net/netfilter/rfc4787.ts), before any run, like the NAT
 * behaviour section of the cloud NAT devices.
 */
import { memo, useMemo } from 'react';
import { classifyLinuxNat, Ruleset, type NatBehaviour } from '../../../engine/net/netfilter/index.ts';
import type { ResourceOf } from '../../../engine/model/scenario.ts';
import { routerIfaces, subnetPrefixLengths } from '../../canvas/router-text.ts';
import { useDocumentStore } from '../../state/document-store.ts';
import { nicsOf } from '../../state/ops/resources.ts';
import './netfilter.css';

const SHORT: Record<string, string> = {
  'endpoint-independent': 'EIM',
  'address-dependent': 'ADM',
  'address-and-port-dependent': 'APDM',
};
const SHORT_F: Record<string, string> = {
  'endpoint-independent': 'EIF',
  'address-dependent': 'ADF',
  'address-and-port-dependent': 'APDF',
};

/** The behaviour of the rules that iptables accepts (a refused line is left out, as the kernel would). */
export function routerBehaviour(lines: readonly string[]): NatBehaviour {
  const rules = new Ruleset();
  for (const l of lines) rules.run(l);
  return classifyLinuxNat(rules);
}

export const RouterInterfaces = memo(function RouterInterfaces({ router }: { router: ResourceOf<'linuxRouter'> }) {
  const doc = useDocumentStore((s) => s.doc);
  const ifaces = useMemo(() => {
    const nics = nicsOf(doc, router.id);
    return routerIfaces(router, nics, subnetPrefixLengths(doc, nics));
  }, [doc, router]);
  return (
    <section className="router-ifaces" aria-label="Interfaces">
      <h4 className="router-ifaces-title">Interfaces</h4>
      {ifaces.length === 0 ? (
        <p className="panel-note">No interface: drop the router into a subnet, or add an uplink.</p>
      ) : (
        <ul className="plain-list mono" aria-label={`Interfaces of ${router.name}`}>
          {ifaces.map((f) => (
            <li key={f.name}>
              <strong>{f.name}</strong> = {f.nic ? `NIC ${f.nic.name}` : 'uplink'}, {f.address}
              {f.nic ? '' : ' (the Internet)'}
              {f.secondary?.length ? `; also ${f.secondary.map((a) => `${a}/32`).join(', ')}` : ''}
              {f.proxyArp?.length ? `; proxy ARP for ${f.proxyArp.join(', ')}` : ''}
            </li>
          ))}
        </ul>
      )}
      <p className="panel-note">iptables rules and routes name these (-i eth0, -o eth1, dev eth1). Connect a subnet to the router's top-left handle to add an interface.</p>
    </section>
  );
});

export const RouterBehaviour = memo(function RouterBehaviour({ router }: { router: ResourceOf<'linuxRouter'> }) {
  const b = useMemo(() => routerBehaviour(router.iptables), [router.iptables]);
  const hasSnat = router.iptables.some((l) => /-j\s+(SNAT|MASQUERADE)\b/.test(l));
  return (
    <section className="form nat-behaviour" aria-label="NAT behaviour">
      <h3 className="form-title">NAT behaviour (RFC 4787)</h3>
      {!hasSnat && <p className="panel-note">No SNAT or MASQUERADE rule yet: forwarded packets leave with their own source address.</p>}
      <p>
        Mapping: <strong>{SHORT[b.mapping]}</strong> ({b.mapping}) · filtering: <strong>{SHORT_F[b.filtering]}</strong> ({b.filtering})
      </p>
      {b.mappingCondition && <p className="panel-note">Mapping holds {b.mappingCondition}.</p>}
      <p className="panel-note">
        Port preservation: {b.portPreservation ? 'yes' : 'no'} · hairpinning: {b.hairpinning}
      </p>
      <p className="panel-note">{b.explanation}</p>
    </section>
  );
});
