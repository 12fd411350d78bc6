/**
 * Issue 6/7 through the UI: the gateway load balancer chain with a Linux NVA, opened from the
 * Gallery and run to its end. The SSH connection from 8.8.8.8 is dropped by the NVA's FORWARD rule
 * (the trace says which rule and on which bridge port), the capture on the NVA's NIC decoded as
 * VXLAN shows the inner addresses, the Netfilter tab shows the NVA's bridge and its rule counter,
 * and the TCP ping tab shows what the chain costs in latency.
 */
import { expect, test } from '@playwright/test';
import { openFromGallery, openTab } from './run-helpers.ts';
import { applyDisplayFilter } from './capture-helpers.ts';

const CHAIN = /Gateway load balancer: a Linux NVA in the chain/;

test('gallery: the NVA drops SSH from 8.8.8.8, its capture shows the inner packets, and the chain adds latency', async ({ page }) => {
  test.setTimeout(150_000);
  await openFromGallery(page, CHAIN);
  await page.getByLabel('Speed preset').selectOption('10');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 120_000 });

  // SSH from 8.8.8.8 never completes; the same SSH from another address does.
  await openTab(page, 'Sockets');
  const flows = page.getByRole('region', { name: 'Connections' });
  await expect(flows.getByRole('row').filter({ hasText: '8.8.8.8' }).filter({ hasText: ':22' })).toContainText(/pending|timed-out/);
  await expect(flows.getByRole('row').filter({ hasText: '203.0.113.7' }).filter({ hasText: ':22' })).toContainText('established');

  // The drop, with the NVA's rule and the bridge port it came in on.
  await openTab(page, 'Trace');
  await page.getByRole('group', { name: 'Filter by kind' }).getByRole('button', { name: 'drop' }).click();
  const drop = page.getByRole('list', { name: 'Trace events' }).getByRole('listitem').first();
  await expect(drop).toContainText('nva1');
  await expect(drop).toContainText('8.8.8.8');
  await expect(drop).toContainText('FORWARD rule 1 (-s 8.8.8.8/32 -p tcp -m physdev --physdev-in vxlan-ex -m tcp --dport 22 -j DROP) dropped it while bridging it from vxlan-ex');

  // The capture on the NVA's NIC (eth0): VXLAN on the tunnel ports, and the packets inside.
  await openTab(page, 'Capture');
  const source = page.getByRole('combobox', { name: 'Capture shown' });
  const point = source.locator('option', { hasText: /cap-nva-eth0/ });
  await expect(point).toHaveCount(1);
  await source.selectOption({ label: (await point.textContent()) ?? '' });
  await expect(page.locator('.cap-row[data-frame="1"]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Decode As…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Decode As' });
  const ports = dialog.getByRole('textbox', { name: /^Port of rule/ });
  await expect(ports).toHaveCount(2);
  expect((await ports.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).sort()).toEqual(['10800', '10801']);
  await dialog.getByRole('button', { name: 'OK' }).click();
  await applyDisplayFilter(page, 'vxlan && ip.src == 8.8.8.8 && tcp.dstport == 22');
  await expect(page.locator('.cap-counts')).not.toContainText('filtering');
  const row = page.locator('.cap-row[data-frame]').first();
  await expect(row.locator('.c-src')).toHaveText('8.8.8.8');
  await expect(row.locator('.c-proto')).toHaveText('TCP');
  await row.click();
  const details = page.getByLabel('Packet details');
  await expect(details.locator('[data-layer="vxlan"]')).toBeVisible();
  await expect(details).toContainText('Virtual eXtensible Local Area Network');
  await expect(details).toContainText('VXLAN Network Identifier (VNI): 801');
  // Outer: the GWLB to the NVA's NIC; inner: the consumer's packet as the Internet sent it.
  await expect(details).toContainText('Src: 10.7.0.4, Dst: 10.7.1.5');
  await expect(details).toContainText('Src: 8.8.8.8, Dst: 20.62.0.20');

  // The NVA in the Netfilter tab: its bridge of the two tunnels and the DROP rule's counter.
  await openTab(page, 'Netfilter');
  const nf = page.getByRole('region', { name: 'Netfilter of nva1' });
  const ifaces = nf.getByRole('table', { name: 'Interfaces of nva1' });
  for (const name of ['eth0', 'vxlan-in', 'vxlan-ex', 'br0']) await expect(ifaces.getByRole('cell', { name, exact: true })).toBeVisible();
  await nf.getByRole('tab', { name: 'filter table' }).click();
  const filter = ((await nf.getByLabel('filter table of nva1').textContent()) ?? '').split('\n').find((l) => l.includes('DROP') && l.includes('dpt:22')) ?? '';
  expect(filter).toMatch(/PHYSDEV match --physdev-in vxlan-ex/);
  expect(Number(filter.trim().split(/\s+/)[0])).toBeGreaterThan(0);

  // ethr through the chain (GWLB + NVA) against the same ping to a VM without it.
  await openTab(page, 'TCP ping');
  const chained = page.getByRole('region', { name: 'TCP ping ethr-chained' });
  const plain = page.getByRole('region', { name: 'TCP ping ethr-unchained' });
  await expect(chained.getByLabel('Ping counts')).toHaveText('Sent = 20, Received = 20, Lost = 0');
  await expect(plain.getByLabel('Ping counts')).toHaveText('Sent = 20, Received = 20, Lost = 0');
  const avg = async (region: typeof chained) => {
    const text = (await region.getByRole('table').getByRole('cell').first().textContent()) ?? '';
    const m = /^([\d.]+)(ms|us|µs|s)$/.exec(text);
    if (!m) throw new Error(`not an ethr duration: ${text}`);
    return Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'ms' ? 1 : 0.001);
  };
  await expect(chained.getByRole('table').getByRole('cell').first()).toHaveText('6.092ms');
  await expect(plain.getByRole('table').getByRole('cell').first()).toHaveText('1.472ms');
  expect(await avg(chained)).toBeGreaterThan(await avg(plain));
});
