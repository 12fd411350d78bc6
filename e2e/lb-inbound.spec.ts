/**
 * Issue 6 through the UI: inbound load balancing. The public LB with a health probe and one
 * service stopped mid-run, and floating IP with two frontends, opened from the Gallery, run, and
 * read from the Sockets panel and the load balancer's inspector section.
 */
import { expect, test, type Page } from '@playwright/test';
import { inspector, selectNode } from './editor-helpers.ts';
import { clock, openFromGallery, openTab } from './run-helpers.ts';

/** Runs (Run, then Pause) until the virtual clock has passed `seconds`. */
async function runTo(page: Page, seconds: number, speed = '10'): Promise<void> {
  await page.getByLabel('Speed preset').selectOption(speed);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => clock(page), { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(seconds);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByLabel('Run status')).toHaveText('paused');
}

function probeRow(page: Page, vm: string) {
  return inspector(page).getByRole('table', { name: 'Health probes' }).getByRole('row').filter({ hasText: vm });
}

test.describe('gallery: a public load balancer with two VMs and a health probe', () => {
  test('probes from 168.63.129.16; vm2 leaves the rotation after its service stops and comes back', async ({ page }) => {
    await openFromGallery(page, /Public load balancer: two VMs, a health probe/);
    await runTo(page, 6.5, '1');
    await openTab(page, 'Sockets');
    await expect(page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: '20.50.0.10:80' }).first()).toBeVisible();
    await selectNode(page, 'lb');
    const section = inspector(page).getByRole('region', { name: 'Load balancing' });
    await expect(section.getByRole('table', { name: 'Mapping table' })).toContainText('DIP (vm1 10.0.0.4, vm2 10.0.0.5)');
    await expect(probeRow(page, 'vm2')).toContainText('up');
    await expect(probeRow(page, 'vm2')).toContainText('SYN+ACK');

    await runTo(page, 16);
    await expect(probeRow(page, 'vm2')).toContainText('down');
    await expect(probeRow(page, 'vm2')).toContainText('RST');
    await expect(probeRow(page, 'vm1')).toContainText('up');

    await runTo(page, 36);
    await expect(probeRow(page, 'vm2')).toContainText('up');
  });
});

test.describe('gallery: floating IP with two frontends', () => {
  test('the mapping table says "Same as frontend"; vm2 without the loopback drops', async ({ page }) => {
    await openFromGallery(page, /Floating IP: two frontends/);
    await runTo(page, 6);
    await selectNode(page, 'lb');
    const table = inspector(page).getByRole('table', { name: 'Mapping table' });
    await expect(table.getByRole('row').filter({ hasText: '65.52.0.1' })).toContainText('Same as frontend (65.52.0.1)');
    await expect(table.getByRole('row').filter({ hasText: '65.52.0.2' })).toContainText('Same as frontend (65.52.0.2)');
    await expect(table.getByRole('row').filter({ hasText: '65.52.0.2' })).toContainText('Same as frontend (80)');
    await openTab(page, 'Sockets');
    const connections = page.getByRole('region', { name: 'Connections' });
    // Answered by vm1 (loopback configured): closed after the hold; sent to vm2 (none): SYNs dropped, pending.
    await expect(connections.getByRole('row').filter({ hasText: '65.52.0.1:80' }).filter({ hasText: 'closed' }).first()).toBeVisible();
    await expect(connections.getByRole('row').filter({ hasText: '65.52.0.2:80' }).filter({ hasText: 'closed' }).first()).toBeVisible();
    await expect(connections.getByRole('row').filter({ hasText: 'pending' }).first()).toBeVisible();
  });
});
