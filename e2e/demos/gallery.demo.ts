/**
 * One recorded demo per gallery scenario: open it from the Gallery, press Run, and wait for the
 * outcome its description promises; the video and a closing screenshot land in demos/<slug>.*.
 * A new scenario gets a demo by being in scenarios/; what to wait for is listed in OUTCOMES (a
 * scenario without an entry is run to its end and its Sockets panel shown).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { clock, openFromGallery, openTab } from '../run-helpers.ts';

const SCENARIOS = new URL('../../scenarios/', import.meta.url);

/** Drives the run to its outcome; calls `shot` at the moment worth a screenshot (else the end is shot). */
type Outcome = (page: Page, shot: () => Promise<void>) => Promise<void>;

const OUTCOMES: Record<string, Outcome> = {
  // vm-ilpip's connections are answered from its own public IP; vm-slb's SYN is dropped and its
  // socket stays in SYN_SENT until the connect times out.
  'outbound-ilpip-vs-standard-lb': async (page, shot) => {
    await openTab(page, 'Sockets');
    await page.getByLabel('Speed preset').selectOption('5');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: 'vm-ilpip' }).first()).toContainText('20.48.1.10');
    await page.getByLabel('Speed preset').selectOption('10');
    const slb = page.getByRole('region', { name: 'Sockets of vm-slb' });
    await expect(slb.getByRole('cell', { name: 'SYN_SENT' })).toBeVisible();
    await expect.poll(() => clock(page), { timeout: 30_000 }).toBeGreaterThan(40);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(slb.getByRole('cell', { name: 'SYN_SENT' })).toBeVisible();
    await shot();
    await page.waitForTimeout(1500);
    await page.getByLabel('Speed preset').selectOption('100');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 60_000 });
    await expect(page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: 'vm-slb' })).toContainText('timed-out');
  },
  // The Linux router's 8 SNAT ports: conntrack -L holds 8 ESTABLISHED entries on ports
  // 40000-40007 while the 9th connection's SYNs die at conntrack confirm; it times out later.
  'linux-router-snat-8-ports': async (page, shot) => {
    await openTab(page, 'Netfilter');
    await page.getByLabel('Speed preset').selectOption('5');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => clock(page), { timeout: 30_000 }).toBeGreaterThan(4);
    await page.getByRole('button', { name: 'Pause' }).click();
    const nf = page.getByRole('region', { name: 'Netfilter of edge-router' });
    await nf.getByRole('tab', { name: /^conntrack/ }).click();
    await expect(nf.getByRole('list', { name: 'conntrack entries of edge-router' }).getByRole('listitem')).toHaveCount(8);
    await shot();
    await page.waitForTimeout(1500);
    await nf.getByRole('tab', { name: 'nat table' }).click();
    await page.waitForTimeout(1500);
    await openTab(page, 'Sockets');
    await page.getByLabel('Speed preset').selectOption('100');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 90_000 });
    await expect(page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: 'timed-out' })).toHaveCount(1);
  },
  // Legacy router: east-west and floating IPs all go through the network node's router.
  'openstack-central-router': async (page) => routersAfterRun(page, 'nn-qrouter'),
  // DVR: east-west routed on each compute node; only SNAT without a floating IP on the network node.
  'openstack-dvr': async (page) => routersAfterRun(page, 'c1-qrouter'),
  // The NVA behind the gateway load balancer: its firewall drops SSH from 8.8.8.8 (its FORWARD
  // counter in the Netfilter tab), and the TCP ping tab shows what the chain adds to latency.
  'gwlb-nva-chain': async (page, shot) => {
    await openTab(page, 'TCP ping');
    await page.getByLabel('Speed preset').selectOption('10');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 90_000 });
    await expect(page.getByRole('region', { name: 'TCP ping ethr-chained' }).getByLabel('Ping counts')).toContainText('Received = 20');
    await shot();
    await page.waitForTimeout(1500);
    await openTab(page, 'Netfilter');
    await page.getByRole('region', { name: 'Netfilter of nva1' }).getByRole('tab', { name: 'filter table' }).click();
    await expect(page.getByLabel('filter table of nva1')).toContainText('physdev-in vxlan-ex');
  },
};

/** Runs to the end, then shows one router's netfilter state (its nat table) in the Netfilter tab. */
async function routersAfterRun(page: Page, router: string): Promise<void> {
  await openTab(page, 'Trace');
  await page.getByLabel('Speed preset').selectOption('5');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 90_000 });
  await page.waitForTimeout(1500);
  await openTab(page, 'Netfilter');
  await page.getByRole('combobox', { name: 'Router or NVA' }).selectOption(router);
  await expect(page.getByRole('region', { name: /^Netfilter of / }).getByLabel(/^nat table of /)).toContainText('Chain POSTROUTING');
}

const runToEnd: Outcome = async (page) => {
  await openTab(page, 'Sockets');
  await page.getByLabel('Speed preset').selectOption('100');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 90_000 });
};

for (const file of readdirSync(SCENARIOS).filter((f) => f.endsWith('.json')).sort()) {
  const slug = file.replace(/\.json$/, '');
  const { name } = JSON.parse(readFileSync(new URL(file, SCENARIOS), 'utf8')) as { name: string };
  test(slug, async ({ page }) => {
    await openFromGallery(page, name);
    await page.waitForTimeout(800);
    let shotTaken = false;
    const shot = async () => {
      await page.screenshot({ path: `demos/${slug}.png` });
      shotTaken = true;
    };
    await (OUTCOMES[slug] ?? runToEnd)(page, shot);
    await page.waitForTimeout(1000);
    if (!shotTaken) await shot();
    const video = page.video();
    await page.close();
    await video?.saveAs(`demos/${slug}.webm`);
  });
}
