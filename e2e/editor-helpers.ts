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

/** A node's handle by its id. */
export function handle(page: Page, nodeId: string, handleId: string) {
  return page.locator(`.react-flow__handle[data-nodeid="${nodeId}"][data-handleid="${handleId}"]`);
}

/** Drags from one handle to another with the real mouse, as React Flow's own tests do. */
export async function connectHandles(page: Page, from: string, fromHandle: string, to: string, toHandle: string) {
  const a = await handle(page, from, fromHandle).boundingBox();
  const b = await handle(page, to, toHandle).boundingBox();
  if (!a || !b) throw new Error('handle not on screen');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}
