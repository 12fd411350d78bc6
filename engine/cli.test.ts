import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './cli.ts';
import type { RunReport } from './sim/types.ts';

const scenario = new URL('../scenarios/outbound-ilpip-vs-standard-lb.json', import.meta.url).pathname;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const hasTshark = spawnSync('tshark', ['--version']).status === 0;

describe('netplay CLI', () => {
  it('documents itself', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('netplay run SCENARIO.json');
    expect(r.out).toContain('netplay decode FILE');
    expect((await cli('help', 'run')).out).toContain('--capture NODE[:IFACE]');
    expect((await cli('decode', '--help')).out).toContain('--decode-as');
  });

  it('exits 2 on usage errors, without a stack trace', async () => {
    for (const argv of [[], ['frobnicate'], ['run'], ['run', scenario, '--until', 'soon'], ['decode', 'a', 'b'], ['run', scenario, '--bogus']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('exits 1 on an invalid scenario and names what is wrong and where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netplay-cli-'));
    const bad = join(dir, 'bad.json');
    const doc = JSON.parse(readFileSync(scenario, 'utf8'));
    doc.resources.find((r: { id: string }) => r.id === 'vm-slb-nic').ipConfigs[0].privateIp = '10.9.0.5';
    writeFileSync(bad, JSON.stringify(doc));
    const r = await cli('run', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain("vm-slb-nic.ipConfigs[0].privateIp: 10.9.0.5 is not inside subnet 'default'");
    expect((await cli('run', join(dir, 'missing.json'))).code).toBe(1);
    writeFileSync(join(dir, 'junk.json'), '{"netplay":1,');
    const junk = await cli('validate', join(dir, 'junk.json'));
    expect(junk.code).toBe(1);
    expect(junk.err).toContain('not JSON');
  });

  it('validates a good scenario', async () => {
    const r = await cli('validate', scenario);
    expect(r.code).toBe(0);
    expect(r.out).toContain('valid');
  });

  it('runs the gallery scenario: ILPIP seen by the echo server, the Standard LB VM stuck in SYN_SENT then timed out', async () => {
    const at60 = await cli('run', scenario, '--until', '60s', '--json');
    expect(at60.code).toBe(0);
    const r60 = JSON.parse(at60.out) as RunReport;
    expect(r60.sockets['vm-slb']).toContainEqual(expect.objectContaining({ proto: 'tcp', remote: '13.71.134.177:80', state: 'SYN_SENT' }));
    const full = JSON.parse((await cli('run', scenario, '--json')).out) as RunReport;
    const ilpip = full.flows.filter((f) => f.from === 'vm-ilpip');
    expect(ilpip).toHaveLength(3);
    for (const f of ilpip) {
      const port = f.local.split(':')[1];
      expect(f.seenAs).toBe(`20.48.1.10:${port}`);
      expect(f.response).toContain(`20.48.1.10:${port}`);
    }
    const slb = full.flows.find((f) => f.from === 'vm-slb')!;
    expect(slb.outcome).toBe('timed-out');
    expect(full.drops.some((d) => d.code === 'no-outbound' && d.reason.includes("'lb'"))).toBe(true);
  });

  it('writes captures that tshark reads, and decodes them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netplay-cli-'));
    const pcap = join(dir, 'ilpip.pcap');
    const pcapng = join(dir, 'all.pcapng');
    expect((await cli('run', scenario, '--until', '10s', '--capture', 'vm-ilpip', '--pcap', pcap)).code).toBe(0);
    expect((await cli('run', scenario, '--until', '10s', '--pcapng', pcapng)).code).toBe(0);
    const decoded = await cli('decode', pcap);
    expect(decoded.code).toBe(0);
    const lines = decoded.out.split('\n');
    expect(lines[0]).toMatch(/^\s+1\s+0\.000000 10\.8\.0\.4 → 13\.71\.134\.177 TCP \d+ \d+ → 80 \[SYN\]/);
    const json = JSON.parse((await cli('decode', pcap, '--json', '--count', '1')).out);
    expect(json[0].fields['ip.src']).toBe('10.8.0.4');
    expect(json[0].fields['tcp.flags.syn']).toBeTruthy();
    if (!hasTshark) {
      if (process.env.CI) throw new Error('tshark is missing on CI: .ci/run installs it');
      return;
    }
    for (const f of [pcap, pcapng]) {
      const out = execFileSync('tshark', ['-r', f, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'], { encoding: 'utf8' });
      expect(out).not.toMatch(/Malformed|Bad checksum|incorrect/i);
      expect(out.trim().split('\n').length).toBeGreaterThan(5);
    }
  });

  it('says which file it cannot write, with exit 1 and no stack trace', async () => {
    const r = await cli('run', scenario, '--until', '1s', '--capture', 'vm-ilpip', '--pcap', '/nonexistent-dir/x.pcap');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^netplay: --pcap \/nonexistent-dir\/x\.pcap: cannot write the file \(ENOENT/);
    expect(r.err).not.toMatch(/ at .*\.ts:\d+/);
  });

  it('reports a truncated capture with the byte offset, after the frames before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netplay-cli-'));
    const pcap = join(dir, 'x.pcap');
    expect((await cli('run', scenario, '--until', '5s', '--capture', 'vm-ilpip', '--pcap', pcap)).code).toBe(0);
    const bytes = readFileSync(pcap);
    writeFileSync(pcap, bytes.subarray(0, bytes.length - 7));
    const r = await cli('decode', pcap);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/byte offset \d+/);
    expect(r.out.split('\n').length).toBeGreaterThan(1);
  });
});
