/** Screenshots at 1280x800 in both themes, for a person to look at (test-results/). */
import { expect, test } from '@playwright/test';
import { inspector, openFresh, selectNode } from './editor-helpers.ts';

test('the editor at 1280x800 in both themes', async ({ page }) => {
  await openFresh(page);
  await expect(page.getByRole('textbox', { name: 'Scenario name' })).toHaveValue(/ILPIP/);
  await page.screenshot({ path: 'test-results/editor-light.png' });
  await selectNode(page, 'vm-slb');
  await inspector(page).getByRole('textbox', { name: 'Private IP' }).fill('10.8.0.1');
  await page.getByRole('button', { name: 'Add Public IP' }).click();
  await page.screenshot({ path: 'test-results/editor-light-error.png' });
  await page.getByRole('switch', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await selectNode(page, 'vm-slb');
  await page.screenshot({ path: 'test-results/editor-dark-error.png' });
  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await expect(page.getByRole('status', { name: 'Message' })).toContainText('Laid out');
  await page.waitForTimeout(500);
  await page.screenshot({ path: 'test-results/editor-dark-layout.png' });
  await page.getByRole('button', { name: 'Gallery' }).click();
  await expect(page.getByRole('dialog', { name: 'Gallery' })).toContainText('Which IP');
  await page.screenshot({ path: 'test-results/editor-dark-gallery.png' });
  await page.keyboard.press('Escape');
  await page.getByRole('switch', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.screenshot({ path: 'test-results/editor-light-layout.png' });
});
