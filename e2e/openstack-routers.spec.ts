/**
 * Issue 6/7 through the UI: OpenStack's legacy (central) router against DVR, opened from the
 * Gallery and run to the end; the Trace panel, filtered to the east-west connection and to one
 * node, shows whether that connection's packets crossed the network node.
 */
import { expect, test, type Page } from '@playwright/test';
import { openFromGallery, openTab } from './run-helpers.ts';

async function runToEnd(page: Page): Promise<void> {
  await page.getByLabel('Speed preset').selectOption('10');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 60_000 });
}

/** The flow id of vm-a's connection to vm-b (east-west), from the Connections table. */
async function eastWestFlow(page: Page): Promise<string> {
  await openTab(page, 'Sockets');
  const row = page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: '10.2.0.20:80' }).filter({ hasText: 'vm-a' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('established');
  return (await row.getByRole('cell').first().textContent()) ?? '';
}

/** How many trace events of `flow` happened at (or travelled to) `node`. */
async function eventsAt(page: Page, flow: string, node: string): Promise<number> {
  await openTab(page, 'Trace');
  await page.getByLabel('Filter by flow').fill(flow);
  await page.getByLabel('Filter by node').selectOption(node);
  const count = page.locator('.trace-head .muted');
  await expect(count).toHaveText(/^[\d,]+ events$/);
  // The list refetches for the new filter: wait until the rows shown agree with the count.
  const n = Number(((await count.textContent()) ?? '').replace(/[^\d]/g, ''));
  if (n > 0) await expect(page.getByRole('list', { name: 'Trace events' }).getByRole('listitem').first()).toContainText(node);
  return n;
}

test('legacy router: vm-a → vm-b crosses the network node (nn-qrouter) both ways', async ({ page }) => {
  await openFromGallery(page, /OpenStack legacy router/);
  await runToEnd(page);
  const flow = await eastWestFlow(page);
  await expect.poll(() => eventsAt(page, flow, 'nn-qrouter')).toBeGreaterThanOrEqual(4);
  const rows = page.getByRole('list', { name: 'Trace events' }).getByRole('listitem');
  await expect(rows.filter({ hasText: '10.1.0.10' }).filter({ hasText: '[SYN]' }).first()).toContainText('nn-qrouter');
  await expect(rows.filter({ hasText: '[SYN, ACK]' }).first()).toContainText('nn-qrouter');
});

test('DVR: vm-a → vm-b is routed on the compute nodes and never reaches the network node (nn-snat)', async ({ page }) => {
  await openFromGallery(page, /OpenStack DVR/);
  await runToEnd(page);
  const flow = await eastWestFlow(page);
  // Out through compute node 1's router, back through compute node 2's, none on the network node.
  await eventsAt(page, flow, 'nn-snat');
  await expect(page.locator('.trace-head .muted')).toHaveText('0 events');
  await expect(page.getByRole('list', { name: 'Trace events' }).getByRole('listitem')).toHaveCount(0);
  await expect.poll(() => eventsAt(page, flow, 'c1-qrouter')).toBeGreaterThanOrEqual(2);
  await expect(page.getByRole('list', { name: 'Trace events' }).getByRole('listitem').filter({ hasText: '[SYN]' }).first()).toContainText('c1-qrouter');
  await expect.poll(() => eventsAt(page, flow, 'c2-qrouter')).toBeGreaterThanOrEqual(2);
  await expect(page.getByRole('list', { name: 'Trace events' }).getByRole('listitem').filter({ hasText: '[SYN, ACK]' }).first()).toContainText('c2-qrouter');
});
