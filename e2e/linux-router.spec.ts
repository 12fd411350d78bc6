/**
 * Issue 6/7 through the UI: the Linux router gallery scenario (8 SNAT ports, the 9th connection
 * dies at conntrack confirm), opened from the Gallery and read from the Sockets, Netfilter and
 * Trace panels; and the router's inspector before any run.
 */
import { expect, test, type Page } from '@playwright/test';
import { inspector, selectNode } from './editor-helpers.ts';
import { clock, openFromGallery, openTab } from './run-helpers.ts';

const EIGHT_PORTS = /A Linux router with 8 SNAT ports/;

/** Runs (Run, then Pause) until the virtual clock has passed `seconds`. */
async function runTo(page: Page, seconds: number): Promise<void> {
  await page.getByLabel('Speed preset').selectOption('10');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => clock(page), { timeout: 60_000, intervals: [50] }).toBeGreaterThanOrEqual(seconds);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByLabel('Run status')).toHaveText('paused');
}

test('gallery: 8 ESTABLISHED and 1 SYN_SENT; conntrack holds 8 entries on ports 40000-40007; the 9th SYN dies at insert_failed', async ({ page }) => {
  await openFromGallery(page, EIGHT_PORTS);
  await runTo(page, 5);

  await openTab(page, 'Sockets');
  const client = page.getByRole('region', { name: 'Sockets of client' });
  await expect(client.getByRole('cell', { name: 'ESTABLISHED' })).toHaveCount(8);
  await expect(client.getByRole('cell', { name: 'SYN_SENT' })).toHaveCount(1);
  await expect(client.getByRole('row').filter({ hasText: 'SYN_SENT' })).toContainText('198.51.100.10:80');

  await openTab(page, 'Netfilter');
  const nf = page.getByRole('region', { name: 'Netfilter of edge-router' });
  await expect(nf.getByRole('table', { name: 'Interfaces of edge-router' })).toContainText('203.0.113.5/24');
  await expect(nf.getByLabel('ip route of edge-router')).toContainText('default via 203.0.113.1 dev eth1');
  // conntrack -L: 8 ESTABLISHED [ASSURED] entries whose reply tuples are 203.0.113.5 ports 40000-40007.
  await nf.getByRole('tab', { name: /^conntrack/ }).click();
  const entries = nf.getByRole('list', { name: 'conntrack entries of edge-router' }).getByRole('listitem');
  await expect(entries).toHaveCount(8);
  const lines = await entries.allTextContents();
  expect(lines.every((l) => /ESTABLISHED src=10\.0\.1\.4 dst=198\.51\.100\.10 .* \[ASSURED\]/.test(l))).toBe(true);
  const ports = lines.map((l) => Number(/dst=203\.0\.113\.5 sport=80 dport=(\d+)/.exec(l)?.[1])).sort((a, b) => a - b);
  expect(ports).toEqual([40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007]);
  // conntrack -S: 8 entries, and one insert_failed (and drop) per SYN of the 9th connection.
  const stats = nf.getByRole('list', { name: 'Conntrack statistics of edge-router' });
  await expect(stats).toContainText('entries 8 / 262144');
  const failed = Number(/insert_failed (\d+)/.exec((await stats.textContent()) ?? '')?.[1]);
  expect(failed).toBeGreaterThanOrEqual(2);
  await expect(stats).toContainText(`drop ${failed}`);
  // The nat table's SNAT rule counts every connection it bound: the 8, plus each SYN of the 9th.
  await nf.getByRole('tab', { name: 'nat table' }).click();
  const nat = nf.getByLabel('nat table of edge-router');
  await expect(nat).toContainText('Chain POSTROUTING');
  const snat = ((await nat.textContent()) ?? '').split('\n').find((l) => l.includes('to:203.0.113.5:40000-40007')) ?? '';
  expect(snat).toMatch(/SNAT\s+6\s+--\s+\*\s+eth1/);
  expect(Number(snat.trim().split(/\s+/)[0])).toBe(8 + failed);
  await nf.getByRole('tab', { name: 'rules' }).click();
  await expect(nf.getByLabel('rules of edge-router')).toContainText('-A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 203.0.113.5:40000-40007');
  await expect(nf.getByRole('region', { name: 'NAT behaviour of edge-router' })).toContainText('dropped at conntrack confirm');

  // The trace says why the 9th SYN went nowhere.
  await openTab(page, 'Trace');
  await page.getByRole('group', { name: 'Filter by kind' }).getByRole('button', { name: 'drop' }).click();
  const first = page.getByRole('list', { name: 'Trace events' }).getByRole('listitem').first();
  await expect(first).toContainText('edge-router');
  await expect(first).toContainText('[conntrack-insert-failed]');
  await expect(first).toContainText('insert_failed — no free port in 203.0.113.5:40000-40007 for 10.0.1.4:');
  await expect(first).toContainText('→ 198.51.100.10:80');
});

test('the router inspector names its interfaces and the RFC 4787 behaviour of its SNAT rule, without running', async ({ page }) => {
  await openFromGallery(page, EIGHT_PORTS);
  await selectNode(page, 'edge-router');
  const panel = inspector(page);
  const ifaces = panel.getByRole('region', { name: 'Interfaces' });
  await expect(ifaces).toContainText('eth0 = NIC edge-router-eth0, 10.0.1.10/24');
  await expect(ifaces).toContainText('eth1 = uplink, 203.0.113.5/24 (the Internet)');
  await expect(panel.getByRole('textbox', { name: 'iptables rules, one per line', exact: true })).toHaveValue(
    '-t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 203.0.113.5:40000-40007',
  );
  await expect(panel.getByRole('textbox', { name: 'Routes, one per line (ip route syntax)', exact: true })).toHaveValue('default via 203.0.113.1 dev eth1');
  const behaviour = panel.getByRole('region', { name: 'NAT behaviour' });
  await expect(behaviour).toContainText('Mapping: EIM (endpoint-independent)');
  await expect(behaviour).toContainText('filtering: APDF');
  await expect(behaviour).toContainText('conntrack confirm');
  // The canvas sums the rule up on the router and lists the route table's route.
  await expect(page.locator('.react-flow__node[data-id="edge-router"]').getByRole('list', { name: 'NAT rules of edge-router' })).toHaveText(
    'SNAT out eth1 → 203.0.113.5:40000-40007',
  );
  await expect(page.locator('.react-flow__node[data-id="rt-clients"]').getByRole('list', { name: 'routes of rt-clients' })).toHaveText(
    '0.0.0.0/0 → VirtualAppliance 10.0.1.10',
  );
});
