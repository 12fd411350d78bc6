/** `netplay decode FILE`: one line per frame like tshark's default output, or every field as JSON. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { defaultDecodeAs, dissect, DissectSession, fieldsByName, parseDecodeAsRule, withDecodeAs, type DecodeAs, type Field } from '../dissect/index.ts';
import { CaptureReader, interfaceOf } from '../pcap/index.ts';
import { parse, UsageError } from './args.ts';

export const DECODE_HELP = `netplay decode FILE [options]

Reads a pcap or pcapng file (also .gz) and prints one line per frame, like tshark.

Options:
  --decode-as RULE   a tshark -d rule, e.g. udp.port==10800,vxlan (repeatable)
  --json             print every frame's fields by their Wireshark names, as JSON
  --count N          stop after N frames
  -h, --help         this text`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export function decodeCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {
    'decode-as': { type: 'string', multiple: true },
    json: { type: 'boolean' },
    count: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(DECODE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('decode takes one capture file');
  const file = positionals[0]!;
  let decodeAs: DecodeAs = defaultDecodeAs();
  for (const rule of values['decode-as'] ?? []) {
    const r = parseDecodeAsRule(rule);
    if (!r.ok) throw new UsageError(`--decode-as: ${r.error}`);
    decodeAs = withDecodeAs(decodeAs, r.rule);
  }
  const limit = values.count === undefined ? Infinity : Number(values.count);
  if (!(limit >= 0)) throw new UsageError(`--count needs a number, not '${values.count}'`);

  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    io.err(`netplay: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: 2 ** 31 - 1 });
    } catch (e) {
      io.err(`netplay: ${file}: not a valid gzip file (${(e as Error).message})`);
      return 1;
    }
  }

  const reader = new CaptureReader();
  const frames = reader.push(bytes);
  const error = reader.end();
  const session = new DissectSession();
  let firstSec: number | undefined;
  let firstNsec: number | undefined;
  const json: unknown[] = [];
  let n = 0;
  for (const f of frames) {
    if (n >= limit) break;
    n++;
    const t = f.tsSec + f.tsNsec / 1e9;
    // Seconds since the first frame, subtracted before they are added: absolute epoch seconds
    // as a double keep only ~240 ns, which would show in the TCP analysis's RTTs.
    firstSec ??= f.tsSec;
    firstNsec ??= f.tsNsec;
    const rel = f.tsSec - firstSec + (f.tsNsec - firstNsec) / 1e9;
    const linkType = interfaceOf(reader.interfaces, f)?.linkType ?? f.linkType;
    const d = dissect(f.data, linkType, decodeAs, { frameNumber: f.index + 1, timeRelative: rel, session });
    if (values.json) {
      json.push({ number: f.index + 1, time: t, timeRelative: rel, length: f.originalLength, protocol: d.protocol, src: d.src, dst: d.dst, info: d.info, fields: flatten(fieldsByName(d)) });
    } else {
      io.out(`${String(f.index + 1).padStart(5)} ${rel.toFixed(6).padStart(11)} ${d.src} → ${d.dst} ${d.protocol} ${f.originalLength} ${d.info}`);
    }
  }
  if (values.json) io.out(JSON.stringify(json, null, 2));
  if (error) {
    io.err(`netplay: ${file}: ${error.message} (byte offset ${error.offset}); ${frames.length} frame(s) before it were read`);
    return 1;
  }
  return 0;
}

function flatten(map: Map<string, Field[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, fields] of map) {
    const values = fields.map((f) => f.display ?? valueText(f.value));
    out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function valueText(v: Field['value']): string | number | boolean {
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join(':');
  if (typeof v === 'bigint') return v.toString();
  return v;
}
