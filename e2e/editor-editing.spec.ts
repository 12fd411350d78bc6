/** Inspector, undo/redo, delete, copy/paste and gallery, used as a person would. */
import { expect, test } from '@playwright/test';
import { emptyCanvas, inspector, node, openFresh, selectNode } from './editor-helpers.ts';

test('typing an invalid IP in the inspector shows the message at the field; fixing it clears it', async ({ page }) => {
  await openFresh(page);
  await selectNode(page, 'vm-slb');
  const form = inspector(page).getByRole('region', { name: 'Network interface vm-slb-nic' });
  const ip = form.getByRole('textbox', { name: 'Private IP' });
  await expect(ip).toHaveValue('10.8.0.5');
  await ip.fill('10.8.0.300');
  await expect(ip).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText('not an IPv4 address')).toBeVisible();
  await expect(page.getByRole('button', { name: /1 error/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
  // The invalid value is kept in the document (and on the canvas), not lost.
  await expect(node(page, 'vm-slb')).toContainText('10.8.0.300');
  await ip.fill('10.8.0.7');
  await expect(form.getByText('not an IPv4 address')).toHaveCount(0);
  await expect(ip).not.toHaveAttribute('aria-invalid', 'true');
  await expect(node(page, 'vm-slb')).toContainText('10.8.0.7');
  await expect(page.getByRole('button', { name: /error/ })).toHaveCount(0);
  // A reserved address is a semantic error from checkScenario, shown at the same field.
  await ip.fill('10.8.0.1');
  await expect(form.getByText('reserved by Azure')).toBeVisible();
});

test('delete, undo, redo, copy and paste', async ({ page }) => {
  await openFresh(page);
  const edges = page.locator('.react-flow__edge');
  await expect(edges).toHaveCount(3);
  await selectNode(page, 'vm-ilpip');
  await page.keyboard.press('Delete');
  await expect(node(page, 'vm-ilpip')).toHaveCount(0);
  await expect(edges).toHaveCount(2);
  await page.keyboard.press('Control+z');
  await expect(node(page, 'vm-ilpip')).toBeVisible();
  await expect(edges).toHaveCount(3);
  await page.keyboard.press('Control+Shift+z');
  await expect(node(page, 'vm-ilpip')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(node(page, 'vm-ilpip')).toBeVisible();

  await selectNode(page, 'vm-slb');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  const copy = node(page, 'vm-slb1');
  await expect(copy).toBeVisible();
  await expect(copy).toContainText('10.8.0.6');
  await expect(copy).toContainText('vm-slb-nic1');
  // The copy keeps its backend pool membership: one more edge.
  await expect(edges).toHaveCount(4);
  await page.keyboard.press('Control+z');
  await expect(copy).toHaveCount(0);
  await page.keyboard.press('Control+y');
  await expect(copy).toBeVisible();
});

test('an edge can be selected and deleted, removing just that reference', async ({ page }) => {
  await openFresh(page);
  const edges = page.locator('.react-flow__edge');
  await expect(edges).toHaveCount(3);
  await page.locator('.react-flow__edge[data-id="vm-slb-nic::ipConfigs.0.loadBalancerBackendPools.0"]').click({ force: true });
  await page.keyboard.press('Backspace');
  await expect(edges).toHaveCount(2);
  await expect(node(page, 'vm-slb')).toBeVisible();
});

test('one drag is one undo step', async ({ page }) => {
  await openFresh(page);
  const n = node(page, 'nomupro');
  const before = await n.boundingBox();
  const header = n.locator('.node-header');
  const b = (await header.boundingBox())!;
  await page.mouse.move(b.x + 20, b.y + 10);
  await page.mouse.down();
  for (let i = 1; i <= 6; i++) await page.mouse.move(b.x + 20 + i * 10, b.y + 10 + i * 8);
  await page.mouse.up();
  await expect.poll(async () => (await n.boundingBox())?.x).not.toBe(before?.x);
  await emptyCanvas(page);
  await page.keyboard.press('Control+z');
  await expect.poll(async () => Math.round((await n.boundingBox())?.x ?? 0)).toBe(Math.round(before?.x ?? 0));
});

test('the gallery opens a scenario, and undo returns to the previous work', async ({ page }) => {
  await openFresh(page);
  await selectNode(page, 'nomupro');
  await page.keyboard.press('Delete');
  await expect(node(page, 'nomupro')).toHaveCount(0);
  await page.getByRole('button', { name: 'Gallery' }).click();
  const dialog = page.getByRole('dialog', { name: 'Gallery' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Which IP does my VM leave from?');
  await expect(dialog).toContainText('instance-level public IP');
  await dialog.getByRole('button', { name: /^Open Which IP/ }).click();
  await expect(dialog).toBeHidden();
  await expect(node(page, 'nomupro')).toBeVisible();
  await emptyCanvas(page);
  await page.keyboard.press('Control+z');
  await expect(node(page, 'nomupro')).toHaveCount(0);
});
