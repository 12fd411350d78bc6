/** Argument parsing for the CLI: node:util's parseArgs plus durations like "30s", "500ms", "2m". */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

/** Parses a virtual duration into microseconds: "30s", "500ms", "2m", "1h", "250us", or bare seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`cannot read the duration '${text}': write e.g. 30s, 500ms, 2m`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'us' || unit === 'µs' ? 1 : unit === 'ms' ? 1e3 : unit === 's' ? 1e6 : unit === 'm' ? 60e6 : 3600e6;
  return Math.round(n * factor);
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}
