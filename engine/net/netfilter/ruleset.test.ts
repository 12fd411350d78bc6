import { describe, expect, it } from 'vitest';
import { parseRule } from './parse.ts';
import { Ruleset, ruleMatches, type MatchContext } from './ruleset.ts';
import { ping, tcp, udp } from './test-util.ts';
import type { NfPacket } from './types.ts';

const ctx = (o: Partial<MatchContext> = {}): MatchContext => ({ ctStates: ['NEW'], inIface: 'eth0', outIface: 'eth1', ...o });
const P = tcp('10.0.0.5:40000', '192.0.2.9:443', 'S');

describe('every match', () => {
  const cases: [string, NfPacket, Partial<MatchContext>, boolean][] = [
    ['-s 10.0.0.0/24', P, {}, true],
    ['! -s 10.0.0.0/24', P, {}, false],
    ['-d 192.0.2.0/25', P, {}, true],
    ['! -d 192.0.2.9', P, {}, false],
    ['-i eth0', P, {}, true],
    ['-i eth+', P, { inIface: 'eth7' }, true],
    ['-i eth+', P, { inIface: 'wlan0' }, false],
    ['! -i eth+', P, { inIface: 'wlan0' }, true],
    ['-o eth1', P, {}, true],
    ['-o +', P, { outIface: 'anything' }, true],
    ['! -o eth1', P, {}, false],
    ['-p tcp', P, {}, true],
    ['-p udp', P, {}, false],
    ['! -p udp', P, {}, true],
    ['-p icmp', ping('10.0.0.5', '192.0.2.9', 1), {}, true],
    ['-p all', udp('10.0.0.5:1', '192.0.2.9:2'), {}, true],
    ['-p tcp --dport 443', P, {}, true],
    ['-p tcp --dport 400:500', P, {}, true],
    ['-p tcp ! --dport 400:500', P, {}, false],
    ['-p tcp --sport 40000:', P, {}, true],
    ['-p tcp --sport :39999', P, {}, false],
    ['-p udp --dport 443', P, {}, false],
    ['-m conntrack --ctstate NEW', P, {}, true],
    ['-m conntrack --ctstate RELATED,ESTABLISHED', P, {}, false],
    ['-m conntrack ! --ctstate INVALID', P, {}, true],
    ['-m conntrack --ctstate SNAT', P, { ctStates: ['ESTABLISHED', 'SNAT'] }, true],
    ['-m physdev --physdev-in vx0', P, { physIn: 'vx0' }, true],
    ['-m physdev --physdev-in vx0', P, {}, false],
    ['-m physdev ! --physdev-out vx1', P, { physOut: 'vx2' }, true],
    ['-m physdev --physdev-in vx+ --physdev-out vx1', P, { physIn: 'vx9', physOut: 'vx1' }, true],
    ['-m comment --comment "anything at all"', P, {}, true],
  ];
  for (const [spec, pkt, c, want] of cases) {
    it(`${spec} → ${want}`, () => {
      expect(ruleMatches(parseRule(`${spec} -j ACCEPT`), pkt, ctx(c))).toBe(want);
    });
  }
});

describe('the rule walk', () => {
  function rs(lines: string[]): Ruleset {
    const r = new Ruleset();
    for (const l of lines) {
      const res = r.run(l);
      if (!res.ok) throw new Error(res.error.sentence);
    }
    return r;
  }

  it('jumps, returns, falls off user chains, applies the policy (counted) at the end', () => {
    const r = rs(['-N A', '-N B', '-A FORWARD -j A', '-A A -p udp -j RETURN', '-A A -j B', '-A B -p tcp --dport 22 -j DROP', '-A FORWARD -p tcp -j ACCEPT', '-P FORWARD DROP']);
    expect(r.traverse('filter', 'FORWARD', tcp('1.1.1.1:1', '2.2.2.2:22', 'S'), ctx())).toMatchObject({ kind: 'target', chain: 'B', target: { kind: 'DROP' } });
    expect(r.traverse('filter', 'FORWARD', tcp('1.1.1.1:1', '2.2.2.2:80', 'S'), ctx())).toMatchObject({ kind: 'target', chain: 'FORWARD', ruleNumber: 2 });
    expect(r.traverse('filter', 'FORWARD', udp('1.1.1.1:1', '2.2.2.2:80', { length: 50 }), ctx())).toEqual({ kind: 'policy', policy: 'DROP', chain: 'FORWARD' });
    const c = r.chain('filter', 'FORWARD')!;
    expect([c.pkts, c.bytes, c.rules.map((e) => e.pkts)]).toEqual([1, 50, [3, 1]]);
  });

  it('-g does not come back: falling off the goto target applies the built-in policy', () => {
    const r = rs(['-N G', '-A FORWARD -g G', '-A FORWARD -j ACCEPT', '-A G -p tcp -j ACCEPT', '-P FORWARD DROP']);
    expect(r.traverse('filter', 'FORWARD', udp('1.1.1.1:1', '2.2.2.2:3'), ctx())).toEqual({ kind: 'policy', policy: 'DROP', chain: 'FORWARD' });
  });

  it('RETURN in a built-in chain applies its policy; a rule without target only counts', () => {
    const r = rs(['-A INPUT -p udp', '-A INPUT -j RETURN', '-A INPUT -j DROP']);
    expect(r.traverse('filter', 'INPUT', udp('1.1.1.1:1', '2.2.2.2:3'), ctx())).toEqual({ kind: 'policy', policy: 'ACCEPT', chain: 'INPUT' });
    expect(r.chain('filter', 'INPUT')!.rules.map((e) => e.pkts)).toEqual([1, 1, 0]);
  });

  it('edits: -I at a position, -D by number and by spec, -F, -Z, -X', () => {
    const r = rs(['-A FORWARD -s 1.0.0.0/8 -j ACCEPT', '-A FORWARD -s 3.0.0.0/8 -j ACCEPT', '-I FORWARD 2 -s 2.0.0.0/8 -j ACCEPT']);
    const S = (): string => {
      const o = r.run('-S FORWARD');
      return o.ok ? o.output : '';
    };
    expect(S()).toBe('-P FORWARD ACCEPT\n-A FORWARD -s 1.0.0.0/8 -j ACCEPT\n-A FORWARD -s 2.0.0.0/8 -j ACCEPT\n-A FORWARD -s 3.0.0.0/8 -j ACCEPT\n');
    r.run('-D FORWARD -s 2.0.0.0/8 -j ACCEPT');
    r.run('-D FORWARD 1');
    expect(S()).toBe('-P FORWARD ACCEPT\n-A FORWARD -s 3.0.0.0/8 -j ACCEPT\n');
    r.traverse('filter', 'FORWARD', udp('3.3.3.3:1', '4.4.4.4:2'), ctx());
    r.run('-Z');
    expect(r.chain('filter', 'FORWARD')!.rules[0]!.pkts).toBe(0);
    r.run('-N X');
    r.run('-A X -j DROP');
    const busy = r.run('-X X');
    expect(!busy.ok && busy.error.message).toBe('CHAIN_DEL failed (Directory not empty): chain X');
    r.run('-F');
    expect(r.run('-X').ok).toBe(true);
    expect(r.chain('filter', 'X')).toBeUndefined();
  });
});
