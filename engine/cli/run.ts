/** `netplay run SCENARIO.json`: runs a scenario headless and prints a report (or JSON). */
import { readFileSync, writeFileSync } from 'node:fs';
import { formatIssue, restoreScenario, type Scenario } from '../model/index.ts';
import { Simulation } from '../api.ts';
import { toPcap, toPcapng } from '../pcap-export.ts';
import type { RunReport } from '../sim/types.ts';
import { parse, parseDuration, UsageError } from './args.ts';
import type { Io } from './decode.ts';

export const RUN_HELP = `netplay run SCENARIO.json [options]

Runs the scenario in virtual time and prints what happened: every host's sockets (like
netstat), every flow with its outcome, every drop with its reason.

Options:
  --until DURATION        how much virtual time to run (default: the scenario's durationSeconds),
                          e.g. 30s, 500ms, 2m
  --seed N                the random seed (default: the scenario's settings.seed)
  --capture NODE[:IFACE]  capture on a node (or one interface of it); repeatable
  --pcap FILE             write the captured frames as a classic pcap (all capture points merged)
  --pcapng FILE           write them as pcapng, one interface per capture point
  --json                  print the report as JSON: sockets, flows, drops, captures (and snat, loadBalancers, tcpping, netfilter)
  --trace                 with the text report, also print every trace event
  -h, --help              this text`;

export function runCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {
    until: { type: 'string' },
    seed: { type: 'string' },
    capture: { type: 'string', multiple: true },
    pcap: { type: 'string' },
    pcapng: { type: 'string' },
    json: { type: 'boolean' },
    trace: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('run takes one scenario file');
  const file = positionals[0]!;
  const untilUs = values.until === undefined ? undefined : parseDuration(values.until);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
    throw new UsageError(`--seed needs a whole number from 0 to 4294967295, not '${values.seed}'`);

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`netplay: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  const restored = restoreScenario(text);
  if (!restored.ok) {
    io.err(`netplay: ${file} is not a valid scenario:`);
    for (const i of restored.issues) io.err(`  ${formatIssue(i)}`);
    return 1;
  }
  for (const w of restored.warnings) io.err(`netplay: ${file}: ${formatIssue(w)}`);
  let scenario: Scenario = restored.scenario;
  const extra = (values.capture ?? []).map((spec, i) => {
    const [node, iface] = spec.split(':') as [string, string | undefined];
    return { id: `cli-capture-${i + 1}`, node, ...(iface ? { iface } : {}) };
  });
  if (extra.length) {
    const again = restoreScenario({ ...scenario, captures: [...scenario.captures, ...extra] });
    if (!again.ok) {
      for (const i of again.issues) io.err(`netplay: --capture: ${formatIssue(i)}`);
      return 1;
    }
    scenario = again.scenario;
  }

  const sim = Simulation.create(scenario, {
    ...(seed !== undefined ? { seed } : {}),
    // The report carries no trace events: 'summary' counts the same events without keeping a
    // packet view per event (gigabytes on a big run).
    trace: values.trace ? 'full' : 'summary',
    captures: scenario.captures.length > 0,
  });
  sim.runUntil(untilUs ?? Math.round(scenario.settings.durationSeconds * 1e6));
  const report = sim.report();
  const captures = sim.captures();
  const wanted = extra.length ? captures.filter((c) => extra.some((e) => e.id === c.id)) : captures;
  const write = (flag: string, path: string, bytes: () => Uint8Array): boolean => {
    try {
      writeFileSync(path, bytes());
      return true;
    } catch (e) {
      io.err(`netplay: ${flag} ${path}: cannot write the file (${e instanceof Error ? e.message : String(e)})`);
      return false;
    }
  };
  if (values.pcap && !write('--pcap', values.pcap, () => toPcap(wanted.flatMap((c) => c.frames)))) return 1;
  if (values.pcapng && !write('--pcapng', values.pcapng, () => toPcapng(wanted))) return 1;

  if (values.json) io.out(JSON.stringify(report, null, 2));
  else {
    io.out(formatReport(report));
    if (values.trace) for (const e of sim.traceSince(0)) io.out(`${(e.t / 1e6).toFixed(6).padStart(12)} ${e.kind.padEnd(7)} ${e.node.padEnd(14)} ${e.summary}${e.reason ? ` — ${e.reason}` : ''}`);
  }
  return 0;
}

export function formatReport(r: RunReport): string {
  const lines: string[] = [];
  lines.push(`scenario: ${r.scenario}`);
  lines.push(`seed ${r.seed}, ran to ${(r.until / 1e6).toFixed(3)} s of virtual time, ${r.events} events`);
  lines.push('');
  for (const [host, rows] of Object.entries(r.sockets)) {
    lines.push(`${host}: netstat -tan`);
    lines.push('  Proto Local Address           Foreign Address         State');
    for (const s of rows) lines.push(`  ${s.proto.padEnd(5)} ${s.local.padEnd(23)} ${s.remote.padEnd(23)} ${s.state}`);
    if (!rows.length) lines.push('  (no sockets)');
  }
  lines.push('');
  lines.push('flows:');
  for (const f of r.flows) {
    const seen = f.seenAs ? ` seen as ${f.seenAs}` : '';
    const rtt = f.rttUs !== undefined ? ` rtt ${(f.rttUs / 1000).toFixed(3)} ms` : '';
    lines.push(`  #${f.flowId} ${f.proto} ${f.from} ${f.local} → ${f.remote}: ${f.outcome}${seen}${rtt}`);
  }
  if (r.drops.length) {
    lines.push('');
    lines.push('drops:');
    for (const d of r.drops) lines.push(`  ${(d.t / 1e6).toFixed(6)} s at ${d.node}: [${d.code}] ${d.reason}`);
  }
  if (r.captures.length) {
    lines.push('');
    lines.push('captures:');
    for (const c of r.captures) lines.push(`  ${c.id} on ${c.node}${c.iface ? `:${c.iface}` : ''}: ${c.frames} frames`);
  }
  for (const lb of r.loadBalancers ?? []) {
    lines.push('');
    lines.push(`load balancer ${lb.name}: mapping table`);
    for (const l of lb.mappingText.trimEnd().split('\n')) lines.push(`  ${l}`);
    for (const p of lb.probes) lines.push(`  probe ${p.probe} → ${p.member} (${p.dip}): ${p.state}${p.last ? `, last ${p.last}` : ''}`);
    for (const b of lb.backends) lines.push(`  ${b.pool}/${b.member}: ${b.newFlows} new flows`);
  }
  for (const n of r.netfilter ?? []) {
    lines.push('');
    lines.push(`${n.kind === 'nva' ? 'NVA' : 'Linux router'} ${n.name}: ip route, iptables -t nat -L -v -n, conntrack -L`);
    for (const l of [...n.routes, ...n.natTable.trimEnd().split('\n'), ...n.conntrack]) lines.push(`  ${l}`);
    const c = n.conntrackStats;
    lines.push(`  conntrack: ${c.entries} entries (max ${c.max}), insert_failed ${c.insertFailed}, drop ${c.drop}, early_drop ${c.earlyDrop}`);
    for (const e of n.errors) lines.push(`  refused: ${e}`);
  }
  for (const t of r.tcpping ?? []) {
    lines.push('');
    lines.push(`tcpping ${t.traffic} from ${t.from} (ethr -c ${t.dialAddr} -p tcp -t pi):${t.finished ? '' : ' still running'}`);
    for (const l of t.text.trimEnd().split('\n')) if (l) lines.push(`  ${l}`);
  }
  return lines.join('\n');
}
