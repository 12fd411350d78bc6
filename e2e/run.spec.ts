/** Running a scenario as a person would: Run, Pause, Step, Back, the timeline, the Sockets panel. */
import { expect, test } from '@playwright/test';
import { clock, openFromGallery, openTab, runStatus, scrubTo } from './run-helpers.ts';

test.describe('running the gallery scenario', () => {
  test.beforeEach(async ({ page }) => {
    await openFromGallery(page);
  });

  test('Run advances the clock, Pause stops it', async ({ page }) => {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => clock(page)).toBeGreaterThan(0.3);
    await expect(page.getByLabel('Run status')).toHaveText('running');
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByLabel('Run status')).toHaveText('paused');
    const paused = await clock(page);
    await page.waitForTimeout(400);
    expect(await clock(page)).toBe(paused);
    // Playing on continues from where it paused.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => clock(page)).toBeGreaterThan(paused);
  });

  test('the speed control goes from 0.1x to 100x', async ({ page }) => {
    const preset = page.getByLabel('Speed preset');
    await preset.selectOption('100');
    await expect(preset).toHaveValue('100');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    // At 100x, a second of wall time is more than a minute of virtual time.
    await expect.poll(() => clock(page), { timeout: 5000 }).toBeGreaterThan(30);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('slider', { name: 'Speed' }).fill('0');
    await expect(preset).toHaveValue('0.1');
  });

  test('Step moves one event (the Trace panel shows it) and Back returns to the one before', async ({ page }) => {
    await openTab(page, 'Trace');
    await page.getByRole('button', { name: 'Step' }).click();
    const rows = page.getByRole('list', { name: 'Trace events' }).getByRole('listitem');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('SYN_SENT');
    for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Step' }).click();
    await expect(rows).toHaveCount(5);
    const current = page.locator('.trace-row[aria-current="true"]');
    await expect(current).toHaveAttribute('data-seq', '4');
    await expect(current).toContainText('hop');
    await expect(current).toContainText('vnet → internet');
    expect(await clock(page)).toBeCloseTo(0.00005, 6);
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(current).toHaveAttribute('data-seq', '3');
    await expect(current).toContainText('rewrite');
    await expect(current).toContainText('SNAT 10.8.0.4 → 20.48.1.10');
    await expect(rows).toHaveCount(4);
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(current).toHaveAttribute('data-seq', '2');
    expect(await clock(page)).toBe(0);
  });

  test('the timeline scrubs both ways; the Sockets panel shows vm-slb in SYN_SENT, then timed out', async ({ page }) => {
    await openTab(page, 'Sockets');
    await page.getByRole('button', { name: 'Step' }).click();
    await scrubTo(page, 60);
    const slb = page.getByRole('region', { name: 'Sockets of vm-slb' });
    await expect(slb.getByRole('row')).toHaveCount(2);
    await expect(slb.getByRole('cell', { name: 'SYN_SENT' })).toBeVisible();
    await expect(slb).toContainText('13.71.134.177:80');
    // vm-ilpip's connections got answered and closed long ago.
    await expect(page.getByRole('region', { name: 'Sockets of vm-ilpip' })).not.toContainText('SYN_SENT');
    await scrubTo(page, 150);
    await expect(slb).toContainText('no sockets');
    const connections = page.getByRole('region', { name: 'Connections' });
    await expect(connections.getByRole('row').filter({ hasText: 'vm-slb' })).toContainText('timed-out');
    // And back again: the engine rebuilds the earlier state.
    await scrubTo(page, 30);
    await expect(slb.getByRole('cell', { name: 'SYN_SENT' })).toBeVisible();
    await expect(page.getByLabel('Run status')).toHaveText('paused');
    expect(await runStatus(page)).toBe('paused');
  });

  test('the Sockets filter narrows the tables', async ({ page }) => {
    await openTab(page, 'Sockets');
    await scrubTo(page, 1);
    await page.getByLabel('Filter sockets').fill('syn_sent');
    await expect(page.getByRole('region', { name: 'Sockets of vm-ilpip' })).toContainText('no sockets match the filter');
    await expect(page.getByRole('region', { name: 'Sockets of vm-slb' }).getByRole('cell', { name: 'SYN_SENT' })).toBeVisible();
  });

  test('Trace filters by kind, node and flow; clicking an event selects its packet', async ({ page }) => {
    await scrubTo(page, 10);
    await openTab(page, 'Trace');
    const rows = page.getByRole('list', { name: 'Trace events' }).getByRole('listitem');
    await page.getByRole('group', { name: 'Filter by kind' }).getByRole('button', { name: 'drop' }).click();
    await expect(rows.first()).toContainText('drop');
    await expect(rows.first()).toContainText('no-outbound');
    await page.getByRole('group', { name: 'Filter by kind' }).getByRole('button', { name: 'drop' }).click();
    await page.getByLabel('Filter by node').selectOption('vm-ilpip');
    await page.getByLabel('Filter by flow').fill('2');
    await expect(rows.first()).toContainText('#2');
    for (const text of await rows.allTextContents()) expect(text).toContain('vm-ilpip');
    await rows.nth(2).click();
    await expect(rows.nth(2)).toHaveAttribute('aria-current', 'true');
    await openTab(page, 'Hop view');
    await expect(page.getByRole('toolbar', { name: 'Nodes the packet visited' })).toBeVisible();
  });
});
