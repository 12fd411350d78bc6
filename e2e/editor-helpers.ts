/** Helpers for the editor specs: a fresh app (no autosave), reading the autosave, canvas points. */
import { expect, type Locator, type Page } from '@playwright/test';

export const AUTOSAVE_KEY = 'netplay:autosave';

/** Opens the app with empty storage, so it starts on the default gallery scenario. */
export async function openFresh(page: Page, hash = ''): Promise<void> {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto(`/${hash}`);
  await waitForCanvas(page);
}

export async function waitForCanvas(page: Page): Promise<void> {
  await expect(page.locator('.react-flow__node').first()).toBeVisible();
}

export async function autosaved(page: Page): Promise<{ name: string; resources: { id: string; kind: string }[] } | null> {
  return page.evaluate((key) => {
    const t = localStorage.getItem(key);
    return t ? JSON.parse(t) : null;
  }, AUTOSAVE_KEY);
}

export function node(page: Page, id: string): Locator {
  return page.locator(`.react-flow__node[data-id="${id}"]`);
}

/** Selects a node by clicking its header (not a handle). */
export async function selectNode(page: Page, id: string): Promise<void> {
  const n = node(page, id);
  await n.locator('.node-header, .container-title').first().click();
  await expect(n).toHaveClass(/selected/);
}

export async function emptyCanvas(page: Page): Promise<void> {
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
}

export function inspector(page: Page): Locator {
  return page.getByRole('complementary', { name: 'Inspector' });
}
