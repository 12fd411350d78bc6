import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../model/scenario.ts';
import type { TraceEvent } from '../sim/types.ts';
import { parseIpv4 } from '../wire/addr.ts';
import { buildGraph } from './build.ts';
import { Simulation } from './simulation.ts';
import { TcpState } from './tcp-socket.ts';
import { expectFrame, internetHost, scenarioOf } from './test-util.ts';

const S = 1_000_000;

/** Two hosts on the Internet, 1 ms apart one way (each access link carries half). */
function twoHosts(traffic: ScenarioInput['traffic'], extra: Partial<ScenarioInput> = {}) {
  return scenarioOf({
    settings: { seed: 5, durationSeconds: 200, internetLatencyUs: 1000 },
    resources: [
      internetHost('a', '1.1.1.1'),
      internetHost('b', '2.2.2.2', [
        { type: 'http-echo', port: 80 },
        { type: 'tcp-accept', port: 22 },
        { type: 'udp-echo', port: 53 },
      ]),
    ],
    traffic,
    captures: [{ id: 'cap-a', node: 'a' }],
    ...extra,
  });
}

const socketStates = (trace: TraceEvent[], node: string) => trace.filter((e) => e.kind === 'socket' && e.node === node).map((e) => e.state);

describe('TCP', () => {
  it('completes a handshake, sends a request, gets the echo and holds the connection open', () => {
    const sim = Simulation.create(twoHosts([{ id: 't', type: 'tcp', from: 'a', to: 'b:80', request: 'http' }]));
    sim.runUntil(1 * S);
    const [f] = sim.flows();
    expect(f!.outcome).toBe('established');
    expect(f!.rttUs).toBe(2000);
    expect(f!.seenAs).toBe(f!.local.replace('1.1.1.1', '1.1.1.1'));
    expect(f!.response).toBe(f!.local);
    const socks = sim.sockets();
    expect(socks.a!.map((r) => r.state)).toEqual(['ESTABLISHED']);
    expect(socks.b!.filter((r) => r.proto === 'tcp').map((r) => r.state)).toEqual(['LISTEN', 'LISTEN', 'ESTABLISHED']);
    expect(socketStates(sim.traceSince(0), 'a')).toEqual(['SYN_SENT', 'ESTABLISHED']);
    expect(socketStates(sim.traceSince(0), 'b')).toEqual(['SYN_RECV', 'ESTABLISHED']);
  });

  it('sends SYN options as Linux does, and the SYN/ACK answers them', () => {
    const sim = Simulation.create(twoHosts([{ id: 't', type: 'tcp', from: 'a', to: 'b:22' }]));
    sim.runUntil(1 * S);
    const frames = sim.captures()[0]!.frames;
    expect(frames.map((f) => f.direction)).toEqual(['out', 'in', 'out']);
    expectFrame(frames[0]!.data).ipv4({ src: '1.1.1.1', dst: '2.2.2.2', ttl: 64 }).tcp({ dstPort: 22, flags: 'SYN', mss: 1460, windowScale: 7, window: 64240 });
    expectFrame(frames[1]!.data).tcp({ srcPort: 22, flags: 'SYN, ACK', mss: 1460, windowScale: 7, window: 65160 });
    expectFrame(frames[2]!.data).tcp({ flags: 'ACK', window: 502 });
    expect(frames[0]!.data.length).toBe(14 + 20 + 40); // 20 bytes of options, as Linux's SYN
  });

  it('closes with FIN from the client: TIME_WAIT for 60 s on the client, LAST_ACK on the server', () => {
    const sim = Simulation.create(twoHosts([{ id: 't', type: 'tcp', from: 'a', to: 'b:22', holdMs: 100 }]));
    sim.runUntil(1 * S);
    expect(sim.flows()[0]!.outcome).toBe('closed');
    expect(sim.sockets().a!.map((r) => r.state)).toEqual(['TIME_WAIT']);
    expect(sim.sockets().b!.filter((r) => r.state !== 'LISTEN' && r.proto === 'tcp')).toEqual([]);
    const trace = sim.traceSince(0);
    expect(socketStates(trace, 'a')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT']);
    expect(socketStates(trace, 'b')).toEqual(['SYN_RECV', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    sim.runUntil(60 * S); // TIME_WAIT began at 104 ms: still there at 60 s
    expect(sim.sockets().a!.map((r) => r.state)).toEqual(['TIME_WAIT']);
    sim.runUntil(61 * S);
    expect(sim.sockets().a).toEqual([]);
    expect(socketStates(sim.traceSince(0), 'a').at(-1)).toBe('CLOSED');
  });

  it('closes with FIN from the server: the client goes CLOSE_WAIT then LAST_ACK', () => {
    const g = buildGraph(twoHosts([{ id: 't', type: 'tcp', from: 'a', to: 'b:22' }]), { seed: 1, trace: 'full', captures: false });
    g.ctx.sched.runUntil(S);
    const client = g.hosts.get('a')!;
    const server = g.hosts.get('b')!;
    const [row] = client.tcp.rows();
    const port = Number(row!.local.split(':')[1]);
    const s = server.tcp.lookup(parseIpv4('2.2.2.2')!, 22, parseIpv4('1.1.1.1')!, port)!;
    expect(server.tcp.stateOf(s)).toBe(TcpState.Established);
    server.tcp.close(s);
    g.ctx.sched.runUntil(2 * S);
    const trace = g.ctx.trace.since(0);
    expect(socketStates(trace, 'b').slice(-3)).toEqual(['FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT']);
    expect(socketStates(trace, 'a').slice(-3)).toEqual(['CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    expect(g.ctx.flows.rows()[0]!.outcome).toBe('closed');
  });

  it('answers a SYN to a closed port with RST', () => {
    const sim = Simulation.create(twoHosts([{ id: 't', type: 'tcp', from: 'a', to: 'b:81' }]));
    sim.runUntil(1 * S);
    const [f] = sim.flows();
    expect(f!.outcome).toBe('reset');
    expect(f!.endedAt).toBe(2000);
    const rst = sim.traceSince(0).find((e) => e.kind === 'send' && e.node === 'b')!;
    expect(rst.packet!.tcp!.flags).toBe('RST, ACK');
    expect(sim.sockets().a).toEqual([]);
    expectFrame(sim.captures()[0]!.frames[1]!.data).tcp({ srcPort: 81, flags: 'RST, ACK' });
  });

  it('retransmits the SYN at 1, 3, 7, 15, 31 and 63 s and gives up at 127 s', () => {
    const sim = Simulation.create(twoHosts([{ id: 't', type: 'tcp', from: 'a', to: '9.9.9.9:80' }]));
    sim.runUntil(126 * S);
    expect(sim.sockets().a!.map((r) => r.state)).toEqual(['SYN_SENT']);
    expect(sim.flows()[0]!.outcome).toBe('pending');
    sim.runUntil(200 * S);
    const sends = sim.traceSince(0).filter((e) => e.kind === 'send' && e.node === 'a');
    expect(sends.map((e) => e.t / S)).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(new Set(sends.map((e) => e.packet!.tcp!.seq)).size).toBe(1); // the same ISN each time
    expect(new Set(sends.map((e) => e.packetId)).size).toBe(7);
    const [f] = sim.flows();
    expect(f!.outcome).toBe('timed-out');
    expect(f!.endedAt).toBe(127 * S);
    expect(sim.sockets().a).toEqual([]);
    expect(sim.drops().map((d) => d.code)).toEqual(Array(7).fill('no-route'));
  });

  it('honours net.ipv4.tcp_syn_retries', () => {
    const s = twoHosts([{ id: 't', type: 'tcp', from: 'a', to: '9.9.9.9:80' }]);
    const a = s.resources.find((r) => r.id === 'a')!;
    if (a.kind === 'internetHost') a.stack.synRetries = 2;
    const sim = Simulation.create(s);
    sim.runUntil(20 * S);
    expect(sim.flows()[0]!.endedAt).toBe(7 * S);
  });

  it('stops and starts a service: new SYNs get RST, the existing connection stays', () => {
    const sim = Simulation.create(
      twoHosts([{ id: 't', type: 'tcp', from: 'a', to: 'b:22', count: 3, intervalMs: 1000 }], {
        timeline: [
          { atMs: 500, action: 'stopService', host: 'b', port: 22 },
          { atMs: 1500, action: 'startService', host: 'b', port: 22 },
        ],
      }),
    );
    sim.runUntil(1200_000);
    // The stopped listener on 22 is gone from the table (80 still listens); the connection stays.
    expect(sim.sockets().b!.filter((r) => r.proto === 'tcp').map((r) => `${r.local} ${r.state}`)).toEqual([
      '0.0.0.0:80 LISTEN',
      expect.stringMatching(/^2\.2\.2\.2:22 ESTABLISHED$/),
    ]);
    sim.runUntil(3 * S);
    expect(sim.flows().map((f) => f.outcome)).toEqual(['established', 'reset', 'established']);
    expect(sim.traceSince(0).filter((e) => e.kind === 'note').map((e) => e.summary)).toContain('stopService b:22');
  });

  it('picks even ephemeral ports within the range, one per connection', () => {
    const sim = Simulation.create(twoHosts([{ id: 't', type: 'tcp', from: 'a', to: 'b:22', count: 50, intervalMs: 1 }]));
    sim.runUntil(1 * S);
    const ports = sim.flows().map((f) => Number(f.local.split(':')[1]));
    expect(new Set(ports).size).toBe(50);
    for (const p of ports) {
      expect(p % 2).toBe(0);
      expect(p >= 32768 && p <= 60999).toBe(true);
    }
    // Successive connects to one destination walk the range two by two (hint += 2).
    expect(ports[1]! - ports[0]!).toBe(2);
  });

  it('echoes ping and UDP', () => {
    const sim = Simulation.create(
      twoHosts([
        { id: 'p', type: 'ping', from: 'a', to: 'b', count: 3, intervalMs: 1000 },
        { id: 'u', type: 'udp', from: 'a', to: 'b:53', count: 2, payloadBytes: 16 },
        { id: 'u2', type: 'udp', from: 'a', to: 'b:54' },
      ]),
    );
    sim.runUntil(10 * S);
    const flows = sim.flows();
    const pings = flows.filter((f) => f.traffic === 'p');
    expect(pings.map((f) => [f.outcome, f.rttUs, f.seenAs])).toEqual(Array(3).fill(['answered', 2000, '1.1.1.1']));
    const udp = flows.filter((f) => f.traffic === 'u');
    expect(udp.map((f) => f.outcome)).toEqual(['answered', 'answered']);
    expect(udp[0]!.response).toBe('netplay netplay ');
    expect(udp[0]!.seenAs).toBe(udp[0]!.local);
    expect(flows.find((f) => f.traffic === 'u2')!.outcome).toBe('unanswered');
    expect(sim.drops().map((d) => d.code)).toEqual(['port-closed']);
    const icmp = sim.captures()[0]!.frames.filter((f) => f.data[23] === 1);
    expectFrame(icmp[0]!.data).icmp({ kind: 'echoRequest' });
    expectFrame(icmp[1]!.data).icmp({ kind: 'echoReply' });
  });

  it('leaves ping unanswered when the host ignores it', () => {
    const s = twoHosts([{ id: 'p', type: 'ping', from: 'a', to: 'b' }]);
    const b = s.resources.find((r) => r.id === 'b')!;
    if (b.kind === 'internetHost') b.stack.answersPing = false;
    const sim = Simulation.create(s);
    sim.runUntil(10 * S);
    expect(sim.flows()[0]!.outcome).toBe('unanswered');
    expect(sim.drops()[0]!.code).toBe('ping-ignored');
  });
});
