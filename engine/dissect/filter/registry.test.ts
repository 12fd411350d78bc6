/**
 * The registry against its two sources of truth: the names engine/dissect really produces (on
 * every fixture capture) and Wireshark's own field table (`tshark -G fields`).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dissect, DissectSession } from '../index.ts';
import type { Field, LayerProtocol } from '../types.ts';
import { compileDisplayFilter, FIELD_TYPES, PROTOCOL_MARKERS, type FieldType } from './index.ts';
import { CI, FIXTURES, fixtureDecodeAs, hasTool, loadFrames, run } from './test-util.ts';

const CAPTURES = readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap'));

function* allDissections(): Generator<ReturnType<typeof dissect>> {
  for (const file of CAPTURES) {
    const session = new DissectSession();
    const frames = loadFrames(join(FIXTURES, file));
    for (const [i, f] of frames.entries()) yield dissect(f.data, f.linkType, fixtureDecodeAs(), { session, frameNumber: i + 1 });
  }
}

function visit(fields: readonly Field[], out: Set<string>): void {
  for (const f of fields) {
    out.add(f.name);
    if (f.children) visit(f.children, out);
  }
}

describe('registry', () => {
  it(`knows every field name the dissector produces on the ${CAPTURES.length} fixture captures`, () => {
    const seen = new Set<string>();
    for (const d of allDissections()) for (const l of d.layers) visit(l.fields, seen);
    expect([...seen].filter((n) => !FIELD_TYPES.has(n))).toEqual([]);
    expect(seen.size).toBeGreaterThan(60);
  });

  it('every name in it compiles as a filter', () => {
    for (const name of [...FIELD_TYPES.keys(), ...PROTOCOL_MARKERS.keys()]) expect(compileDisplayFilter(name).ok, name).toBe(true);
  });

  it('protocol markers say a protocol is present exactly when the dissection has its layer', () => {
    const protos: LayerProtocol[] = ['eth', 'vlan', 'sll', 'arp', 'ip', 'ipv6', 'tcp', 'udp', 'icmp', 'icmpv6', 'vxlan', 'data'];
    const wrong: string[] = [];
    let frames = 0;
    for (const d of allDissections()) {
      frames++;
      const names = new Set<string>();
      for (const l of d.layers) visit(l.fields, names);
      for (const p of protos) {
        const byMarker = (PROTOCOL_MARKERS.get(p) ?? []).some((m) => names.has(m));
        const byLayer = d.layers.some((l) => l.protocol === p);
        if (byMarker !== byLayer) wrong.push(`${p} in "${d.info}": markers ${byMarker}, layers ${byLayer}`);
      }
    }
    expect(frames).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  });

  const TSHARK = hasTool('tshark', ['--version']);
  it.skipIf(!TSHARK && !CI)('types agree with tshark -G fields', () => {
    if (!TSHARK) throw new Error('tshark is required in CI (process.env.CI is set) but was not found');
    const table = new Map<string, string>();
    for (const line of run('tshark', ['-G', 'fields']).stdout.split('\n')) {
      const p = line.split('\t');
      if (p[0] === 'F' && !table.has(p[2]!)) table.set(p[2]!, p[3]!);
      if (p[0] === 'P' && !table.has(p[2]!)) table.set(p[2]!, 'FT_PROTOCOL');
    }
    const ws: Readonly<Record<string, FieldType>> = {
      FT_BOOLEAN: 'bool', FT_UINT8: 'u8', FT_UINT16: 'u16', FT_UINT24: 'u24', FT_UINT32: 'u32', FT_INT32: 'i32', FT_BYTES: 'bytes',
      FT_ETHER: 'ether', FT_IPv4: 'ipv4', FT_IPv6: 'ipv6', FT_STRING: 'string', FT_NONE: 'none', FT_PROTOCOL: 'protocol',
      FT_FRAMENUM: 'framenum', FT_RELATIVE_TIME: 'reltime',
    };
    const ours = [...FIELD_TYPES.entries()];
    const unknown = ours.filter(([n]) => !table.has(n)).map(([n]) => n);
    // netplay's own names (see registry.ts): truncation markers, the IPv4 options block, the MLD body, _ws.malformed.
    expect(unknown.filter((n) => !n.endsWith('.truncated') && n !== 'ip.options' && n !== 'icmpv6.mld' && n !== '_ws.malformed')).toEqual([]);
    // _ws.malformed is a protocol in Wireshark; ours carries the reason text, so it is a string here.
    const differ = ours.filter(([n, t]) => table.has(n) && n !== '_ws.malformed' && ws[table.get(n)!] !== t).map(([n, t]) => `${n}: ours ${t}, tshark ${table.get(n)}`);
    expect(differ).toEqual([]);
  });
});
