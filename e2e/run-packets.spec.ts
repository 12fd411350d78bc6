/**
 * Packets on the canvas: clicking one while paused opens the hop view with its headers; a worker
 * crash is survived; and screenshots of packets in flight in both themes (looked at by a person).
 */
import { expect, test } from '@playwright/test';
import { clock, drawnDots, openFromGallery, openTab } from './run-helpers.ts';

test.beforeEach(async ({ page }) => {
  await openFromGallery(page);
});

test('clicking a packet while paused shows its headers, hop by hop', async ({ page }) => {
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(async () => (await drawnDots(page)).length).toBeGreaterThan(0);
  const [dot] = await drawnDots(page);
  const box = (await page.getByTestId('packet-overlay').boundingBox())!;
  await page.mouse.click(box.x + dot!.x, box.y + dot!.y);
  await expect(page.getByRole('tab', { name: 'Hop view' })).toHaveAttribute('aria-selected', 'true');
  const hop = page.getByLabel(`Hop view of packet ${dot!.packetId}`);
  await expect(hop.getByRole('button', { name: 'vm-ilpip' })).toHaveAttribute('aria-pressed', 'true');
  const out = hop.getByLabel('Out', { exact: true });
  await expect(out.getByRole('region', { name: 'IPv4' })).toContainText('10.8.0.4');
  await expect(out.getByRole('region', { name: 'TCP' })).toContainText('SYN');
  // Three events later the packet has crossed the fabric, where its ILPIP rewrote the source.
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Step' }).click();
  await openTab(page, 'Hop view');
  await page.getByLabel(/Hop view of packet/).getByRole('button', { name: 'vnet', exact: true }).click();
  const view = page.getByLabel(/Hop view of packet/);
  await expect(view.getByLabel('In', { exact: true }).getByRole('region', { name: 'IPv4' })).toContainText('10.8.0.4');
  const changed = view.getByLabel('Out', { exact: true }).locator('.hop-field-changed[data-field="ip.src"]');
  await expect(changed).toContainText('20.48.1.10');
  await expect(view).toContainText('SNAT 10.8.0.4 → 20.48.1.10');
});

test('a drop is drawn where it happened, with its reason on click', async ({ page }) => {
  await page.getByRole('slider', { name: 'Timeline' }).fill('1600000');
  await expect.poll(() => clock(page)).toBeCloseTo(1.6, 3);
  // The ✕ sits on the VNet's border; its reason comes from the engine.
  const vnet = (await page.locator('.react-flow__node[data-id="vnet"]').boundingBox())!;
  await page.mouse.click(vnet.x + vnet.width, vnet.y + vnet.height / 2);
  await expect(page.getByRole('tooltip')).toContainText('has no outbound path');
});

test('a worker crash is survived: the person is told, the document is untouched, Run works again', async ({ page }) => {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => clock(page)).toBeGreaterThan(0.2);
  const before = await page.evaluate(() => localStorage.getItem('netplay:autosave'));
  const nodes = await page.locator('.react-flow__node').count();
  const engine = page.workers().find((w) => w.url().includes('engine.worker'));
  expect(engine).toBeDefined();
  await engine!.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    }, 0);
  });
  await expect(page.getByRole('alert')).toContainText('crashed and was restarted');
  await expect(page.getByLabel('Run status')).toHaveText('idle');
  expect(await clock(page)).toBe(0);
  expect(await page.evaluate(() => localStorage.getItem('netplay:autosave'))).toBe(before);
  await expect(page.locator('.react-flow__node')).toHaveCount(nodes);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => clock(page)).toBeGreaterThan(0.2);
  await expect(page.getByLabel('Run status')).toHaveText('running');
});

test('screenshots of packets in flight, light and dark, at 1280x800', async ({ page }) => {
  await openTab(page, 'Sockets');
  // Just before the first connections close, then slowly into the FIN exchanges.
  await page.getByRole('slider', { name: 'Timeline' }).fill('2000000');
  await expect.poll(() => clock(page)).toBeCloseTo(2, 3);
  await page.getByLabel('Speed preset').selectOption('0.1');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => clock(page), { timeout: 15_000 }).toBeGreaterThan(2.1);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect.poll(async () => (await drawnDots(page)).length).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/screens/run-light.png' });
  await page.getByLabel('Dark theme').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.waitForTimeout(100);
  await page.screenshot({ path: 'test-results/screens/run-dark.png' });
  await openTab(page, 'Trace');
  await page.screenshot({ path: 'test-results/screens/trace-dark.png' });
});
