/** Helpers for the capture specs: tshark on the same file, opening a capture through the UI. */
import { execFileSync, spawnSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';

export const TSHARK = '/usr/bin/tshark';

export function hasTshark(): boolean {
  const r = spawnSync(TSHARK, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Skips the calling test when tshark is missing outside CI (in CI a missing tshark fails). */
export function needTshark(): void {
  if (hasTshark()) return;
  if (process.env.CI) throw new Error(`tshark is required in CI (${TSHARK} not found)`);
  test.skip(true, `tshark is not installed at ${TSHARK}; install it (apt-get install tshark) to run this test`);
}

/** `tshark -r file -T fields -e ...` with decode-as rules; one array of values per frame. */
export function tsharkFields(file: string, fields: readonly string[], decodeAs: readonly string[] = [], filter?: string): string[][] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const d of decodeAs) args.push('-d', d);
  if (filter) args.push('-Y', filter);
  for (const f of fields) args.push('-e', f);
  const out = execFileSync(TSHARK, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

/** A fresh app, the Capture tab open. */
export async function openCaptureTab(page: Page): Promise<void> {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  await page.getByRole('tab', { name: 'Capture' }).click();
  await expect(page.getByRole('button', { name: 'Import…' })).toBeVisible();
}

/** Imports a file with the panel's file picker and waits for its first row. */
export async function importCapture(page: Page, file: string): Promise<void> {
  await page.getByTestId('capture-file-input').setInputFiles(file);
  await expect(page.locator('.cap-row[data-frame="1"]')).toBeVisible({ timeout: 30_000 });
}

/** The visible packet-list row of frame `no` as its seven columns. */
export async function rowCells(page: Page, no: number): Promise<string[]> {
  const row = page.locator(`.cap-row[data-frame="${no}"]`);
  return row.locator('[role=gridcell]').allTextContents();
}

export async function applyDisplayFilter(page: Page, text: string): Promise<void> {
  const input = page.getByRole('textbox', { name: 'Display filter' });
  await input.fill(text);
  await input.press('Enter');
}

/** Sets Decode As rules through the dialog, as a person would: UDP port -> VXLAN. */
export async function decodeAsVxlan(page: Page, ports: readonly number[]): Promise<void> {
  await page.getByRole('button', { name: 'Decode As…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Decode As' });
  await expect(dialog).toBeVisible();
  for (const port of ports) {
    await dialog.getByRole('button', { name: '+ Add rule' }).click();
    const inputs = dialog.getByRole('textbox', { name: /^Port of rule/ });
    await inputs.last().fill(String(port));
  }
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toBeHidden();
}
