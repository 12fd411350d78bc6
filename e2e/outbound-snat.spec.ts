/**
 * Issue 4 through the UI: the outbound-rule SNAT scenario (8 ports, the 9th connection hangs,
 * then 16) and the ILPIP / no-outbound one, opened from the Gallery and read from the Sockets,
 * SNAT and Metrics panels and the VM inspector.
 */
import { expect, test, type Page } from '@playwright/test';
import { selectNode } from './editor-helpers.ts';
import { clock, openFromGallery, openTab } from './run-helpers.ts';

/** Runs (as a person would: Run, then Pause) until the virtual clock has passed `seconds`. */
async function runTo(page: Page, seconds: number): Promise<void> {
  await page.getByLabel('Speed preset').selectOption(seconds >= 100 ? '100' : '10');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => clock(page), { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(seconds);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByLabel('Run status')).toHaveText('paused');
}

const EIGHT = /The 9th connection hangs/;

async function instanceRow(page: Page) {
  return page.getByRole('table', { name: /Ports per instance of outbound rule 'outboundrule'/ }).getByRole('row').filter({ hasText: 'vm1' });
}

test.describe('gallery: an outbound rule with 8 SNAT ports per instance', () => {
  test('8 ESTABLISHED, the 9th in SYN_SENT then timed out; Allocated = Used = 8; 16 after the rule update', async ({ page }) => {
    await openFromGallery(page, EIGHT);
    await runTo(page, 61);
    await openTab(page, 'Sockets');
    const vm1 = page.getByRole('region', { name: 'Sockets of vm1' });
    await expect(vm1.getByRole('cell', { name: 'ESTABLISHED' })).toHaveCount(8);
    await expect(vm1.getByRole('cell', { name: 'SYN_SENT' })).toHaveCount(1);
    await expect(vm1.getByRole('row').filter({ hasText: 'SYN_SENT' })).toContainText('13.71.134.177:80');

    await openTab(page, 'SNAT');
    const row = await instanceRow(page);
    await expect(row).toContainText('20.48.1.20');
    await expect(row.getByRole('cell').nth(3)).toHaveText('8');
    await expect(row.getByRole('cell').nth(4)).toHaveText('8');
    const mappings = page.getByRole('region', { name: 'SNAT mappings' });
    await expect(mappings.getByRole('row')).toHaveCount(9);
    await expect(mappings).toContainText('20.48.1.20:1031');
    await mappings.getByLabel('Filter SNAT mappings').fill(':1027');
    await expect(mappings.getByRole('row')).toHaveCount(2);

    await openTab(page, 'Metrics');
    await expect(page.getByRole('img', { name: /Allocated and Used SNAT Ports/ })).toBeVisible();
    await expect(page.getByRole('img', { name: /SNAT Connection Count/ })).toBeVisible();
    const latest = page.getByRole('table', { name: /Latest SNAT metrics/ }).getByRole('row').filter({ hasText: 'vm1' });
    await expect(latest.getByRole('cell').nth(3)).toHaveText('8');
    await expect(latest.getByRole('cell').nth(4)).toHaveText('8');
    await expect(latest.getByRole('cell').nth(7)).not.toHaveText('0');

    await runTo(page, 140);
    await openTab(page, 'Sockets');
    await expect(vm1.getByRole('cell', { name: 'SYN_SENT' })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: 'timed-out' })).toHaveCount(1);

    await runTo(page, 300);
    await expect(vm1.getByRole('cell', { name: 'ESTABLISHED' })).toHaveCount(16);
    await expect(vm1.getByRole('cell', { name: 'SYN_SENT' })).toHaveCount(1);
    await openTab(page, 'SNAT');
    await expect((await instanceRow(page)).getByRole('cell').nth(3)).toHaveText('16');
    await expect((await instanceRow(page)).getByRole('cell').nth(4)).toHaveText('16');
  });

  test('the SNAT panel updates the outbound rule while the run goes on', async ({ page }) => {
    await openFromGallery(page, EIGHT);
    await runTo(page, 5);
    await openTab(page, 'SNAT');
    const form = page.getByRole('form', { name: 'Update outbound rule outboundrule' });
    await form.getByLabel('Ports per instance').fill('32');
    await form.getByRole('button', { name: 'Update outbound rule' }).click();
    await expect(page.getByRole('region', { name: /SNAT device outbound rule 'outboundrule'/ })).toContainText('32 ports per instance');
    await expect((await instanceRow(page)).getByRole('cell').nth(3)).toHaveText('32');
    await form.getByLabel('Ports per instance').fill('12');
    await form.getByRole('button', { name: 'Update outbound rule' }).click();
    await expect(page.getByText(/must be a multiple of 8, and 12 is not/).first()).toBeVisible();
  });

  test('the inspector of vm1 explains its outbound path without running', async ({ page }) => {
    await openFromGallery(page, EIGHT);
    await selectNode(page, 'vm1');
    const section = page.getByRole('region', { name: 'Outbound path' });
    await expect(section).toContainText('load balancer outbound-rule SNAT');
    await expect(section).toContainText('20.48.1.20');
    await expect(section).toContainText('8 SNAT ports per instance');
    await expect(section.getByRole('list', { name: 'Overridden outbound mechanisms' })).toContainText('default outbound access');
  });
});

test.describe('gallery: ILPIP vs. a Standard LB with no outbound rule', () => {
  test('the ILPIP VM is seen as its ILPIP and own port; the Standard LB VM stays in SYN_SENT and has no outbound path', async ({ page }) => {
    await openFromGallery(page);
    await runTo(page, 1);
    await openTab(page, 'Sockets');
    const rows = page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: 'vm-ilpip' });
    await expect(rows).toHaveCount(3);
    for (const row of await rows.all()) {
      const local = (await row.getByRole('cell').nth(2).textContent()) ?? '';
      await expect(row.getByRole('cell').nth(5)).toHaveText(`20.48.1.10:${local.split(':')[1]}`);
    }
    await expect(page.getByRole('region', { name: 'Sockets of vm-slb' }).getByRole('cell', { name: 'SYN_SENT' })).toBeVisible();
    await openTab(page, 'SNAT');
    await expect(page.getByText(/instance-level public IP is 1:1 and keeps no table/)).toBeVisible();
    await selectNode(page, 'vm-slb');
    const section = page.getByRole('region', { name: 'Outbound path' });
    await expect(section).toContainText('no outbound path');
    await expect(section).toContainText("rule 'http' disables outbound SNAT");
  });
});
