/** Helpers for the run specs: open a gallery scenario, read the clock, wait for the run. */
import { expect, type Page } from '@playwright/test';

export const GALLERY_TITLE = /Which IP does my VM leave from/;

/** A fresh app (no autosave), then the scenario opened from the Gallery as a person would. */
export async function openFromGallery(page: Page, title: RegExp | string = GALLERY_TITLE): Promise<void> {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  await expect(page.locator('.react-flow__node').first()).toBeVisible();
  await page.getByRole('button', { name: 'Gallery' }).click();
  const dialog = page.getByRole('dialog', { name: 'Gallery' });
  await dialog.getByRole('button', { name: typeof title === 'string' ? `Open ${title}` : new RegExp(`Open ${title.source}`) }).first().click();
  await expect(dialog).toBeHidden();
}

/**
 * The virtual clock in seconds. Found by its aria-label attribute rather than getByLabel: the
 * label engine reads `labels` of every labelable element, which costs the page ~1 s of main
 * thread per read while a big scenario runs (and the clock is polled).
 */
export async function clock(page: Page): Promise<number> {
  const text = (await page.locator('[aria-label="Virtual clock"]').textContent()) ?? '';
  return Number(text.replace(/\s*s$/, ''));
}

export async function runStatus(page: Page): Promise<string> {
  return (await page.getByLabel('Run status').textContent()) ?? '';
}

/** Scrubs the timeline to `seconds` of virtual time and waits for the clock to get there. */
export async function scrubTo(page: Page, seconds: number): Promise<void> {
  await page.getByRole('slider', { name: 'Timeline' }).fill(String(Math.round(seconds * 1e6)));
  await expect.poll(() => clock(page)).toBeCloseTo(seconds, 3);
}

export async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
}

/** Where the overlay drew its first packets (screen coordinates relative to the canvas). */
export async function drawnDots(page: Page): Promise<{ x: number; y: number; packetId: number }[]> {
  const raw = await page.getByTestId('packet-overlay').getAttribute('data-dots');
  return raw ? (JSON.parse(raw) as { x: number; y: number; packetId: number }[]) : [];
}
