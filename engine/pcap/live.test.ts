/**
 * Real captures: tcpdump on a veth pair between two network namespaces this test creates
 * (10.200.7.0/24, traffic only between them), converted by editcap; our reader must agree with
 * tshark on every frame. Needs root, ip, tcpdump, tshark and editcap (see describeWithTools).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCapture } from './reader.ts';
import { parseCooked } from './sll.ts';
import { createNetnsPair, describeWithTools, listenerScript, ourRows, run, tempDir, toolGate, trafficScript, tsharkRows, type NetnsPair } from './test-util.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from './types.ts';

const CAPTURES = [
  { name: 'veth-us', args: (p: NetnsPair) => ['-i', p.ifA], linkType: LINKTYPE_ETHERNET, nano: false },
  { name: 'veth-ns', args: (p: NetnsPair) => ['-i', p.ifA, '--time-stamp-precision=nano'], linkType: LINKTYPE_ETHERNET, nano: true },
  // libpcap >= 1.10 writes LINUX_SLL2 for -i any; -y LINUX_SLL asks for the older header.
  { name: 'any-sll2', args: () => ['-i', 'any'], linkType: LINKTYPE_LINUX_SLL2, nano: false },
  { name: 'any-sll', args: () => ['-i', 'any', '-y', 'LINUX_SLL'], linkType: LINKTYPE_LINUX_SLL, nano: false },
];

function waitForListening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited with ${code}: ${err}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGINT');
  });
}

describeWithTools('live tcpdump captures in network namespaces', toolGate(['ip', 'tcpdump', 'tshark', 'editcap'], true), () => {
  const tmp = tempDir('netplay-pcap-live-');
  let pair: NetnsPair | undefined;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    pair = createNetnsPair(7);
    const p = pair;
    const listener = spawn('ip', ['netns', 'exec', p.nsB, process.execPath, '-e', listenerScript(3000)], { stdio: 'ignore' });
    children.push(listener);
    const dumps = CAPTURES.map((c) => {
      const child = spawn('ip', ['netns', 'exec', p.nsA, 'tcpdump', ...c.args(p), '-n', '--immediate-mode', '-U', '-w', join(tmp.dir, `${c.name}.pcap`)], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      return child;
    });
    await Promise.all(dumps.map(waitForListening));
    const traffic = spawnSync('ip', ['netns', 'exec', p.nsA, process.execPath, '-e', trafficScript(p.addrB)], { timeout: 10_000 });
    expect(traffic.status).toBe(0);
    // Immediate mode hands each packet over at once; SIGINT drops whatever is still in the ring.
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all(dumps.map(stop));
    for (const c of CAPTURES) run('editcap', ['-F', 'pcapng', join(tmp.dir, `${c.name}.pcap`), join(tmp.dir, `${c.name}.pcapng`)]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(children.map(stop));
    pair?.destroy();
    tmp.cleanup();
  });

  for (const c of CAPTURES) {
    for (const ext of ['pcap', 'pcapng'] as const) {
      it(`${c.name}.${ext}: every frame agrees with tshark`, () => {
        const file = join(tmp.dir, `${c.name}.${ext}`);
        const bytes = new Uint8Array(readFileSync(file));
        const ours = readCapture(bytes);
        expect(ours.error).toBeNull();
        expect(ours.format).toBe(ext);
        // ARP, 5 UDP datagrams, ICMP port unreachables, a TCP handshake and more.
        expect(ours.frames.length).toBeGreaterThanOrEqual(10);
        expect(ours.interfaces[0]!.linkType).toBe(c.linkType);
        expect(ours.interfaces[0]!.tsResolutionNs).toBe(c.nano ? 1 : 1000);
        expect(ourRows(ours.frames, ext === 'pcapng')).toEqual(tsharkRows(file));
      });
    }
    if (c.linkType !== LINKTYPE_ETHERNET) {
      it(`${c.name}: cooked headers agree with tshark's sll fields`, () => {
        const file = join(tmp.dir, `${c.name}.pcap`);
        const ours = readCapture(new Uint8Array(readFileSync(file)));
        const fields = ['sll.pkttype', 'sll.hatype', 'sll.etype', ...(c.linkType === LINKTYPE_LINUX_SLL2 ? ['sll.ifindex'] : [])];
        const theirs = spawnSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter((l) => l.length > 0);
        const mine = ours.frames.map((f) => {
          const h = parseCooked(f.linkType, f.data);
          if (!h || !h.ok) throw new Error(`frame ${f.index}: no cooked header`);
          const v = h.value;
          const row = [String(v.packetType), String(v.arphrdType), `0x${v.protocol.toString(16).padStart(4, '0')}`];
          if (v.interfaceIndex !== undefined) row.push(String(v.interfaceIndex));
          return row.join('\t');
        });
        expect(mine).toEqual(theirs);
        // The payload of an IPv4 frame starts with version 4, header length 5.
        const ipv4 = ours.frames.map((f) => parseCooked(f.linkType, f.data)).find((h) => h?.ok && h.value.protocol === 0x0800);
        expect(ipv4?.ok).toBe(true);
      });
    }
  }
});
