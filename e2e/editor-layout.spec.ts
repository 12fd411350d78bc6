/** Multi-select, auto-layout (lazy elkjs) and image export. */
import { expect, test } from '@playwright/test';
import { inspector, node, openFresh, selectNode } from './editor-helpers.ts';

test('shift-click selects several resources; Delete removes them all', async ({ page }) => {
  await openFresh(page);
  await selectNode(page, 'nomupro');
  await node(page, 'vm-ilpip-pip').locator('.node-header').click({ modifiers: ['Shift'] });
  await expect(inspector(page)).toContainText('2 selected');
  await page.keyboard.press('Delete');
  await expect(node(page, 'nomupro')).toHaveCount(0);
  await expect(node(page, 'vm-ilpip-pip')).toHaveCount(0);
  await expect(node(page, 'vm-ilpip')).not.toContainText('PIP');
});

test('auto-layout tidies the canvas as one undo step', async ({ page }) => {
  await openFresh(page);
  const lb = node(page, 'lb');
  const pip = node(page, 'lb-pip');
  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await expect(page.getByRole('status', { name: 'Message' })).toContainText('Laid out');
  // After layout no two top-level nodes overlap.
  const a = (await lb.boundingBox())!;
  const b = (await pip.boundingBox())!;
  const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  expect(overlap).toBe(false);
  const undo = page.getByRole('button', { name: 'Undo' });
  await expect(undo).toBeEnabled();
});

test('the canvas exports as PNG and SVG', async ({ page }) => {
  await openFresh(page);
  for (const [label, ext] of [['Export PNG', 'png'], ['Export SVG', 'svg']] as const) {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: label }).click();
    const d = await download;
    expect(d.suggestedFilename()).toMatch(new RegExp(`\\.${ext}$`));
    const chunks = await (await d.createReadStream()).toArray();
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBeGreaterThan(1000);
    if (ext === 'png') expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    else expect(bytes.toString('utf8')).toContain('<svg');
  }
});
