/**
 * The Capture panel at 1280x800 in both themes, a VXLAN frame selected with its inner layers
 * open: the screenshots are attached (and written under the test's output folder), and the panes
 * must not overlap or spill out of the window.
 */
import { expect, test, type Page } from '@playwright/test';
import { applyDisplayFilter, decodeAsVxlan, importCapture, openCaptureTab } from './capture-helpers.ts';

async function boxes(page: Page) {
  const get = async (sel: string) => {
    const b = await page.locator(sel).first().boundingBox();
    if (!b) throw new Error(`${sel} is not laid out`);
    return b;
  };
  return { list: await get('.cap-list'), details: await get('.cap-details'), hex: await get('.cap-hex') };
}

for (const theme of ['light', 'dark'] as const) {
  test(`capture panel, ${theme} theme, VXLAN frame with inner layers`, async ({ page }, info) => {
    await openCaptureTab(page);
    if ((await page.locator('html').getAttribute('data-theme')) !== theme) await page.getByRole('switch', { name: 'Dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await importCapture(page, 'engine/dissect/fixtures/underlay.pcap');
    await decodeAsVxlan(page, [10800, 10801]);
    // Pick a tunnelled SYN, then show the mixed list around it (the selection stays in view).
    await applyDisplayFilter(page, 'vxlan.vni == 800 && tcp.flags.syn == 1');
    await expect(page.locator('.cap-counts')).not.toContainText('filtering');
    await page.locator('.cap-row[data-frame]').first().click();
    await applyDisplayFilter(page, 'vxlan || arp || icmp || tcp');
    await expect(page.locator('.cap-counts')).not.toContainText('filtering');
    await expect(page.locator('.cap-row.selected')).toBeVisible();
    const details = page.getByLabel('Packet details');
    await expect(details.locator('[data-layer="vxlan"]')).toBeVisible();
    // Open the inner TCP flags, then select the VNI (its 3 bytes highlighted in the hex pane).
    await details.locator('[data-field="tcp.flags"]').last().click();
    await details.locator('[data-field="vxlan.vni"]').click();
    await details.locator('[data-layer="vxlan"]').scrollIntoViewIfNeeded();
    await expect(page.getByLabel('Packet bytes').locator('.hx .hl')).toHaveCount(3);
    const b = await boxes(page);
    // No overlap: the list is above, details and bytes side by side below it, all inside 1280x800.
    expect(b.list.y + b.list.height).toBeLessThanOrEqual(b.details.y + 1);
    expect(b.details.x + b.details.width).toBeLessThanOrEqual(b.hex.x + 1);
    for (const x of [b.list, b.details, b.hex]) {
      expect(x.x + x.width).toBeLessThanOrEqual(1280);
      expect(x.y + x.height).toBeLessThanOrEqual(800);
    }
    const shot = await page.screenshot({ path: info.outputPath(`capture-${theme}.png`) });
    await info.attach(`capture-${theme}`, { body: shot, contentType: 'image/png' });
  });
}
