/**
 * What the tests that hold netplay against the real kernel share (Node only, tests only):
 * whether this machine can make network namespaces, running commands in them, waiting for a
 * child process to say something, reading a tcpdump capture's TCP segments, and the shape of a
 * `conntrack -L` line without the parts that legitimately differ (timeout, translated port).
 * Used by kernel.test.ts (the netfilter model) and engine/linux-router-kernel.test.ts (the whole
 * simulator).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';

const NEEDED = ['ip', 'iptables', 'conntrack', 'tcpdump', 'python3'];
/** The Debian packages that provide NEEDED. */
export const KERNEL_TEST_PACKAGES = 'iproute2 iptables conntrack tcpdump python3';

/** Why the kernel tests cannot run here, or null when they can. */
export function kernelTestsMissing(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces need root)';
  const gone = NEEDED.filter((c) => {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (gone.length) return `missing commands: ${gone.join(', ')} (Debian packages: ${KERNEL_TEST_PACKAGES})`;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` does not work here';
  }
  return null;
}

/** Runs a command; its stdout. */
export function sh(args: string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', ...(input !== undefined ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs a command in network namespace `name`. */
export function nsx(name: string, args: string[]): string {
  return sh(['ip', 'netns', 'exec', name, ...args]);
}

/** Resolves with what `p` printed on `stream` once it matches `what`; rejects after `ms`. */
export function waitFor(p: ChildProcess, what: RegExp, stream: 'stdout' | 'stderr', ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what} (got ${JSON.stringify(buf)})`)), ms);
    p[stream]!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (what.test(buf)) {
        clearTimeout(timer);
        resolve(buf);
      }
    });
  });
}

/** A TCP segment as PCAP_PY reads it from a capture (t in µs). */
export interface WireSegment {
  t: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  /** IP total length. */
  len: number;
  payload: number;
}

/** python3 PCAP_PY FILE: the IPv4 TCP segments of a classic pcap (Ethernet or Linux SLL) as JSON WireSegment[]. */
export const PCAP_PY = `
import struct, sys, json
d = open(sys.argv[1], 'rb').read()
magic = struct.unpack('<I', d[:4])[0]
e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
link = struct.unpack(e + 'I', d[20:24])[0]
off = 24; out = []
while off + 16 <= len(d):
    ts, tf, incl, orig = struct.unpack(e + 'IIII', d[off:off+16]); off += 16
    pkt = d[off:off+incl]; off += incl
    l2 = 14 if link == 1 else 16
    if link == 1 and struct.unpack('!H', pkt[12:14])[0] != 0x0800: continue
    ip = pkt[l2:]
    if len(ip) < 20 or ip[9] != 6: continue
    ihl = (ip[0] & 15) * 4; tot = struct.unpack('!H', ip[2:4])[0]
    t = ip[ihl:]
    sp, dp, seq, ack, offf, fl, win = struct.unpack('!HHIIBBH', t[:16])
    doff = (offf >> 4) * 4
    out.append({'t': ts * 1000000 + (tf // 1000 if nano else tf), 'src': '.'.join(map(str, ip[12:16])), 'dst': '.'.join(map(str, ip[16:20])),
                'sport': sp, 'dport': dp, 'seq': seq, 'ack': ack, 'flags': fl, 'win': win, 'len': tot, 'payload': tot - ihl - doff})
print(json.dumps(out))
`;

/** A `conntrack -L` line as a key without its timeout and translated port, and those two apart. */
export function conntrackShape(line: string): { key: string; timeout: number; replyPort: number } {
  const timeout = Number(line.split(/\s+/)[2]);
  const dports = [...line.matchAll(/dport=(\d+)/g)].map((x) => Number(x[1]));
  const key = line.replace(/^(\S+\s+\d+\s+)\d+/, '$1T').replace(/(.*dport=)\d+/, '$1P');
  return { key, timeout, replyPort: dports[1] ?? -1 };
}

/** Addresses of the client ── router ── server line the kernel tests build. */
export interface LineTopology {
  /** The client's address with its prefix, e.g. "10.0.1.4/24"; its default route is via routerIn. */
  readonly client: string;
  /** The router's eth0 (client side) and eth1 (server side) addresses with prefixes. */
  readonly routerIn: string;
  readonly routerOut: string;
  /** The server's addresses with prefixes (the first is its own; more make it a gateway too). */
  readonly server: readonly string[];
  /** The router's default route via this address on eth1, if any. */
  readonly routerDefault?: string;
  /** The server's default route via this address, if any. */
  readonly serverDefault?: string;
  /** iptables arguments applied in the router namespace. */
  readonly rules: readonly string[];
}

/**
 * Makes namespaces `${ns}c`, `${ns}r`, `${ns}s` joined by two veth pairs; inside the router the
 * links are called eth0/eth1, so iptables listings compare byte for byte. ip_forward is on.
 */
export function buildLine(ns: string, t: LineTopology): void {
  for (const n of ['c', 'r', 's']) sh(['ip', 'netns', 'add', `${ns}${n}`]);
  sh(['ip', 'link', 'add', `${ns}a`, 'type', 'veth', 'peer', 'name', `${ns}b`]);
  sh(['ip', 'link', 'add', `${ns}d`, 'type', 'veth', 'peer', 'name', `${ns}e`]);
  sh(['ip', 'link', 'set', `${ns}a`, 'netns', `${ns}c`]);
  sh(['ip', 'link', 'set', `${ns}b`, 'netns', `${ns}r`]);
  sh(['ip', 'link', 'set', `${ns}d`, 'netns', `${ns}r`]);
  sh(['ip', 'link', 'set', `${ns}e`, 'netns', `${ns}s`]);
  sh(['ip', '-n', `${ns}r`, 'link', 'set', `${ns}b`, 'name', 'eth0']);
  sh(['ip', '-n', `${ns}r`, 'link', 'set', `${ns}d`, 'name', 'eth1']);
  const viaIn = t.routerIn.split('/')[0]!;
  const cmds: string[][] = [
    ['-n', `${ns}c`, 'addr', 'add', t.client, 'dev', `${ns}a`],
    ['-n', `${ns}c`, 'link', 'set', `${ns}a`, 'up'],
    ['-n', `${ns}c`, 'link', 'set', 'lo', 'up'],
    ['-n', `${ns}c`, 'route', 'add', 'default', 'via', viaIn],
    ['-n', `${ns}r`, 'addr', 'add', t.routerIn, 'dev', 'eth0'],
    ['-n', `${ns}r`, 'addr', 'add', t.routerOut, 'dev', 'eth1'],
    ['-n', `${ns}r`, 'link', 'set', 'eth0', 'up'],
    ['-n', `${ns}r`, 'link', 'set', 'eth1', 'up'],
    ['-n', `${ns}r`, 'link', 'set', 'lo', 'up'],
    ...(t.routerDefault ? [['-n', `${ns}r`, 'route', 'add', 'default', 'via', t.routerDefault, 'dev', 'eth1']] : []),
    ...t.server.map((a) => ['-n', `${ns}s`, 'addr', 'add', a, 'dev', `${ns}e`]),
    ['-n', `${ns}s`, 'link', 'set', `${ns}e`, 'up'],
    ['-n', `${ns}s`, 'link', 'set', 'lo', 'up'],
    ...(t.serverDefault ? [['-n', `${ns}s`, 'route', 'add', 'default', 'via', t.serverDefault]] : []),
  ];
  for (const c of cmds) sh(['ip', ...c]);
  nsx(`${ns}r`, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  for (const r of t.rules) nsx(`${ns}r`, ['iptables', ...r.split(' ')]);
}

/** Kills what the test started and deletes the namespaces (whatever of them exists). */
export function removeLine(ns: string, procs: readonly ChildProcess[]): void {
  for (const p of procs) {
    if (p.exitCode === null && p.pid !== undefined) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const n of ['c', 'r', 's']) {
    try {
      sh(['ip', 'netns', 'del', `${ns}${n}`]);
    } catch {
      // not created
    }
  }
}
