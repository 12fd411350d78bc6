/**
 * The netplay CLI: the same engine as the app, from a terminal and in CI.
 * Exit status: 0 when it ran, 1 when the scenario or file is invalid, 2 for a usage error.
 * Bad input never prints a stack trace.
 */
import { decodeCommand, DECODE_HELP, type Io } from './cli/decode.ts';
import { UsageError } from './cli/args.ts';
import { runCommand, RUN_HELP } from './cli/run.ts';
import { formatIssue, restoreScenario } from './model/index.ts';
import { scenarioJsonSchema } from './model/json-schema.ts';
import { readFileSync } from 'node:fs';

export const HELP = `netplay — a network playground: cloud NAT, load balancers and packets in virtual time

Usage:
  netplay run SCENARIO.json [--until 30s] [--seed N] [--capture NODE[:IFACE]] [--pcap OUT.pcap] [--pcapng OUT.pcapng] [--json] [--trace]
  netplay decode FILE [--decode-as udp.port==10800,vxlan ...] [--json] [--count N]
  netplay validate SCENARIO.json
  netplay schema
  netplay help [COMMAND]

Commands:
  run       run a scenario and print sockets, flows and drops (--json for a machine-readable report)
  decode    print a pcap/pcapng file one frame per line like tshark, or every field as JSON
  validate  check a scenario document and print what is wrong and where
  schema    print the JSON Schema of the scenario document

Exit status: 0 ran, 1 invalid scenario or file, 2 usage error.`;

const defaultIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
        io.out(HELP);
        return cmd === undefined ? 2 : 0;
      case 'help':
        io.out(rest[0] === 'run' ? RUN_HELP : rest[0] === 'decode' ? DECODE_HELP : HELP);
        return 0;
      case 'run':
        return runCommand(rest, io);
      case 'decode':
        return decodeCommand(rest, io);
      case 'validate':
        return validate(rest, io);
      case 'schema':
        io.out(JSON.stringify(scenarioJsonSchema(), null, 2));
        return 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`netplay: ${e.message}`);
      io.err(`Try 'netplay --help'.`);
      return 2;
    }
    io.err(`netplay: internal error: ${(e as Error).message}`);
    io.err('This is a bug in netplay; please report it with the scenario or file that caused it.');
    return 70;
  }
}

function validate(args: string[], io: Io): number {
  if (args.length !== 1 || args[0]!.startsWith('-')) throw new UsageError('validate takes one scenario file');
  let text: string;
  try {
    text = readFileSync(args[0]!, 'utf8');
  } catch (e) {
    io.err(`netplay: cannot read ${args[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  const r = restoreScenario(text);
  if (!r.ok) {
    for (const i of r.issues) io.err(formatIssue(i));
    return 1;
  }
  for (const w of r.warnings) io.err(formatIssue(w));
  io.out(`${args[0]}: valid (${r.scenario.resources.length} resources${r.migrations.length ? `, migrated: ${r.migrations.join('; ')}` : ''})`);
  return 0;
}
