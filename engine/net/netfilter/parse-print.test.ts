import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import fixture from './fixtures/iptables-1.8.9.json';
import { parseCommand, parseRule } from './parse.ts';
import { printNum, printRule, saveString } from './print.ts';
import { Ruleset } from './ruleset.ts';
import { CT_STATES, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type CtStateName, type Match, type Rule, type Target } from './types.ts';

/** iptables-nft lets `-X FORWARD` succeed silently; the model refuses as iptables-legacy does. */
const KNOWN_DIFFERENT = new Set(['-X FORWARD']);

describe('against what iptables 1.8.9 printed (fixtures/iptables-1.8.9.json)', () => {
  for (const c of fixture.cases) {
    it(c.lines.join(' ; '), () => {
      const rs = new Ruleset();
      for (const step of c.steps) {
        if (KNOWN_DIFFERENT.has(step.line)) continue;
        const r = rs.run(step.line);
        expect(r.ok, `${step.line}: ${r.ok ? 'accepted' : r.error.sentence}`).toBe(step.status === 0);
        if (!r.ok) {
          const real = step.stderr.split('\n').find((l) => l.trim() !== '')!.replace(/^iptables v1\.8\.9 \(nf_tables\):\s*/, '');
          const shown = real === '' ? step.stderr.split('\n')[1]! : real;
          expect(shown.includes(r.error.message) || r.error.message.includes(shown.trim()), `${r.error.message} vs ${shown}`).toBe(true);
        }
      }
      if (c.table === 'bogus') return;
      const run = (line: string): string => {
        const r = rs.run(line);
        if (!r.ok) throw new Error(r.error.sentence);
        return r.output;
      };
      expect(run(`-t ${c.table} -S`)).toBe(c.S);
      expect(run(`-t ${c.table} -L -v -n`)).toBe(c.L);
      expect(run(`-t ${c.table} -L -v -n -x`)).toBe(c.Lx);
      expect(run(`-t ${c.table} -L -n`)).toBe(c.Ln);
    });
  }
});

describe('errors point at the offending token', () => {
  it('names the token, its argument number and column', () => {
    const r = parseCommand('-A FORWARD -j ACCEPT extra');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe("Bad argument `extra'");
    expect(r.error.token).toBe('extra');
    expect(r.error.tokenIndex).toBe(4);
    expect(r.error.column).toBe(22);
    expect(r.error.sentence).toBe("Bad argument `extra' (at `extra', argument 5, column 22).");
  });
  it('unknown options, missing arguments, bad values', () => {
    const cases: [string, string, string][] = [
      ['-A FORWARD --bogus 1', 'unknown option "--bogus"', '--bogus'],
      ['-A FORWARD -s', 'option "-s" requires an argument', '-s'],
      ['-A FORWARD -p tcp --dport 80:70', 'invalid portrange (min > max)', '80:70'],
      ['-t nat -A POSTROUTING -j SNAT --to-source 1.2.3.999', 'Bad IP address "1.2.3.999"', '1.2.3.999'],
      ['-A FORWARD -p tcp --dport ! 80', 'Using intrapositioned negation (`--option ! this`) is deprecated in favor of extrapositioned (`! --option this`).', '--dport'],
      ['-A FORWARD ! ! -s 1.2.3.4', "Multiple `!' flags not allowed", '!'],
      ['-A FORWARD -m nosuch', "Couldn't load match `nosuch':No such file or directory", 'nosuch'],
      ['-A FORWARD -m tcp --dport 80', 'tcp match: only valid for protocol 6 (use -p tcp before -m tcp)', 'tcp'],
      ['-t mangle -A FORWARD', "table 'mangle' does not exist (netplay models the nat and filter tables)", 'mangle'],
      ['-A OUTPUT -i eth0 -j ACCEPT', "Can't use -i with OUTPUT", '-i'],
      ['-A FORWARD -j ACCEPT ! --comment x', "unexpected `!' before option \"--comment\"", '!'],
      ['', 'no command specified', ''],
      ['-A FORWARD -s "10.0.0.1', 'unterminated " quote', '"10.0.0.1'],
    ];
    for (const [line, message, token] of cases) {
      const r = parseCommand(line.replace('-j ACCEPT ! --comment x', '-m comment ! --comment x'));
      expect(r.ok, line).toBe(false);
      if (r.ok) continue;
      expect(r.error.message, line).toBe(message);
      expect(r.error.token, line).toBe(token);
    }
  });
  it('rule-set errors (missing chain, wrong hook for a target, loops) point at the chain or target', () => {
    const rs = new Ruleset();
    const r1 = rs.run('-t nat -A PREROUTING -j SNAT --to-source 1.2.3.4');
    expect(!r1.ok && r1.error.message).toContain('SNAT target: only valid in the nat table, POSTROUTING and INPUT chains');
    expect(!r1.ok && r1.error.token).toBe('SNAT');
    const r2 = rs.run('-A NOPE -j ACCEPT');
    expect(!r2.ok && r2.error.token).toBe('NOPE');
    rs.run('-N A');
    rs.run('-N B');
    expect(rs.run('-A A -j B').ok).toBe(true);
    const loop = rs.run('-A B -j A');
    expect(!loop.ok && loop.error.message).toContain('loop');
    // SNAT in a user chain reached from PREROUTING is refused, as the kernel's table check does.
    rs.run('-t nat -N SN');
    expect(rs.run('-t nat -A SN -j SNAT --to-source 1.2.3.4').ok).toBe(true);
    expect(rs.run('-t nat -A POSTROUTING -j SN').ok).toBe(true);
    const bad = rs.run('-t nat -A PREROUTING -j SN');
    expect(!bad.ok && bad.error.message).toContain('rule in chain SN');
  });
  it('accepts abbreviations getopt accepts, the leading `iptables` and --opt=value', () => {
    const r = parseCommand('iptables -t nat --append POSTROUTING --out-int eth1 -p udp --dp 53 -j SNAT --to 1.2.3.4:1000-2000 --random-f');
    expect(r.ok).toBe(true);
    if (!r.ok || r.command.op !== 'append') return;
    expect(printRule(r.command.chain, r.command.rule)).toBe('-A POSTROUTING -o eth1 -p udp -m udp --dport 53 -j SNAT --to-source 1.2.3.4:1000-2000 --random-fully');
    const eq = parseCommand('-A FORWARD --source=10.0.0.0/8 -j DROP');
    expect(eq.ok && eq.command.op === 'append' && printRule('FORWARD', eq.command.rule)).toBe('-A FORWARD -s 10.0.0.0/8 -j DROP');
    const amb = parseCommand('-t nat -A POSTROUTING -j SNAT --to-source 1.2.3.4 --ran');
    expect(!amb.ok && amb.error.message).toBe('option "--ran" is ambiguous');
  });
});

describe('printing helpers', () => {
  it('quotes like xtables_save_string', () => {
    expect(saveString('plain_word-1')).toBe('plain_word-1');
    expect(saveString('two words')).toBe('"two words"');
    expect(saveString(`it's "x" \\`)).toBe(`"it\\'s \\"x\\" \\\\"`);
  });
  it('prints counters as xtables_print_num', () => {
    expect(printNum(99999, false)).toBe('99999 ');
    expect(printNum(100000, false)).toBe(' 100K ');
    expect(printNum(123456789, false)).toBe(' 123M ');
    expect(printNum(12, true)).toBe('      12 ');
    expect(printNum(5_000_000_000, false, false)).toBe('5000M ');
  });
});

// ---------------------------------------------------------------------------------------------
// parse(print(rule)) = rule

const ifname = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/), fc.boolean()).map(([n, plus]) => (plus ? `${n}+` : n));
const neg = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<{ value: T; invert: boolean }> => fc.record({ value: a, invert: fc.boolean() });
const cidr = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => ({
  base: p === 0 ? 0 : (a & ((0xffffffff << (32 - p)) >>> 0)) >>> 0,
  prefix: p,
}));
/** 0.0.0.0/0 without `!` is no condition: iptables does not keep it. */
const address = neg(cidr).filter((a) => a.invert || a.value.prefix !== 0);
const portRange = fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([a, b]) => ({ lo: Math.min(a, b), hi: Math.max(a, b) }));
const ports = neg(portRange).filter((r) => r.invert || r.value.lo !== 0 || r.value.hi !== 65535);
const states = fc.subarray([...CT_STATES], { minLength: 1 }).map((s) => s as CtStateName[]);
const comment = fc.stringMatching(/^[ -~]{0,40}$/);

function optional<T extends object>(rec: T): T {
  return Object.fromEntries(Object.entries(rec).filter(([, v]) => v !== undefined)) as T;
}

const ruleArb = (chain: 'POSTROUTING' | 'PREROUTING' | 'FORWARD'): fc.Arbitrary<Rule> =>
  fc
    .record({
      src: fc.option(address, { nil: undefined }),
      dst: fc.option(address, { nil: undefined }),
      inIface: chain === 'POSTROUTING' ? fc.constant(undefined) : fc.option(neg(ifname), { nil: undefined }),
      outIface: chain === 'PREROUTING' ? fc.constant(undefined) : fc.option(neg(ifname), { nil: undefined }),
      proto: fc.option(neg(fc.constantFrom(PROTO_TCP, PROTO_UDP, PROTO_ICMP, 47)), { nil: undefined }),
      l4: fc.option(fc.record({ sport: fc.option(ports, { nil: undefined }), dport: fc.option(ports, { nil: undefined }) }), { nil: undefined }),
      ct: fc.option(neg(states), { nil: undefined }),
      phys: fc.option(fc.record({ physdevIn: fc.option(neg(ifname), { nil: undefined }), physdevOut: fc.option(neg(ifname), { nil: undefined }) }), { nil: undefined }),
      comment: fc.option(comment, { nil: undefined }),
      order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4 }),
      target: fc.integer({ min: 0, max: 5 }),
      random: fc.boolean(),
      randomFully: fc.boolean(),
      persistent: fc.boolean(),
      addr: fc.option(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 3 })), { nil: undefined }),
      natPorts: fc.option(portRange, { nil: undefined }),
    })
    .map((g) => {
      const proto = g.proto;
      const l4ok = proto && !proto.invert && (proto.value === PROTO_TCP || proto.value === PROTO_UDP);
      const matches: Match[] = [];
      for (const o of g.order) {
        if (o === 0 && l4ok && g.l4) matches.push(optional({ kind: proto.value === PROTO_TCP ? 'tcp' : 'udp', sport: g.l4.sport, dport: g.l4.dport }) as Match);
        if (o === 1 && g.ct) matches.push({ kind: 'conntrack', ctstate: g.ct });
        if (o === 2 && g.phys && (g.phys.physdevIn || g.phys.physdevOut)) matches.push(optional({ kind: 'physdev', physdevIn: g.phys.physdevIn, physdevOut: g.phys.physdevOut }) as Match);
        if (o === 3 && g.comment !== undefined) matches.push({ kind: 'comment', comment: g.comment });
      }
      const portsOk = proto && !proto.invert && proto.value !== 47;
      const natPorts = portsOk ? g.natPorts : undefined;
      const addr = g.addr ? { lo: g.addr[0] >>> 0, hi: Math.min(0xffffffff, g.addr[0] + g.addr[1]) >>> 0 } : { lo: 0x01020304, hi: 0x01020304 };
      let target: Target | null;
      if (chain === 'POSTROUTING') {
        target = [
          null,
          { kind: 'ACCEPT' as const },
          { kind: 'RETURN' as const },
          { kind: 'SNAT' as const, to: optional({ addr, ports: natPorts }), random: g.random, randomFully: g.randomFully, persistent: g.persistent },
          optional({ kind: 'MASQUERADE' as const, ports: natPorts, random: g.random, randomFully: g.randomFully }),
          { kind: 'SNAT' as const, to: { addr }, random: false, randomFully: false, persistent: false },
        ][g.target]!;
      } else if (chain === 'PREROUTING') {
        target = [
          null,
          { kind: 'ACCEPT' as const },
          { kind: 'DNAT' as const, to: optional({ addr: g.addr ? addr : undefined, ports: natPorts ?? (g.addr ? undefined : { lo: 80, hi: 80 }) }), random: g.random, persistent: g.persistent },
          optional({ kind: 'REDIRECT' as const, ports: natPorts, random: g.random }),
          { kind: 'DNAT' as const, to: { addr }, random: false, persistent: g.persistent },
          { kind: 'RETURN' as const },
        ][g.target]!;
        if (target?.kind === 'DNAT' && !target.to.addr && !portsOk) target = { kind: 'ACCEPT' };
      } else {
        const reset = proto && !proto.invert && proto.value === PROTO_TCP;
        target = [
          null,
          { kind: 'ACCEPT' as const },
          { kind: 'DROP' as const },
          { kind: 'REJECT' as const, with: reset && g.random ? ('tcp-reset' as const) : ('icmp-host-prohibited' as const) },
          { kind: 'RETURN' as const },
          { kind: 'REJECT' as const, with: 'icmp-port-unreachable' as const },
        ][g.target]!;
      }
      return optional({ src: g.src, dst: g.dst, inIface: g.inIface, outIface: g.outIface, proto, matches, target }) as Rule;
    });

describe('parse(print(rule)) = rule', () => {
  for (const [table, chain] of [
    ['nat', 'POSTROUTING'],
    ['nat', 'PREROUTING'],
    ['filter', 'FORWARD'],
  ] as const) {
    it(`${table} ${chain}`, () => {
      fc.assert(
        fc.property(ruleArb(chain), (rule) => {
          const line = printRule(chain, rule);
          const back = parseRule(line.slice(`-A ${chain}`.length), chain, table);
          expect(back).toEqual(rule);
          // And through a rule set: -S shows the same line.
          const rs = new Ruleset();
          const r = rs.run(`-t ${table} ${line}`);
          expect(r.ok, line).toBe(true);
          const s = rs.run(`-t ${table} -S ${chain}`);
          expect(s.ok && s.output.trim().split('\n').pop()).toBe(line);
        }),
        { numRuns: 300 },
      );
    });
  }
});
