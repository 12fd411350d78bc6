/** Autosave, reload, import/export and share links, including broken and hostile ones. */
import { expect, test } from '@playwright/test';
import { deflateSync, strToU8 } from 'fflate';
import { AUTOSAVE_KEY, autosaved, node, openFresh, waitForCanvas } from './editor-helpers.ts';

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

test('a reload keeps the work (autosave)', async ({ page }) => {
  await openFresh(page);
  const name = page.getByRole('textbox', { name: 'Scenario name' });
  await name.fill('My reload test');
  await expect.poll(async () => (await autosaved(page))?.name).toBe('My reload test');
  await page.reload();
  await waitForCanvas(page);
  await expect(name).toHaveValue('My reload test');
});

test('share, then open the link in a new page: the same document', async ({ page, context }) => {
  await openFresh(page);
  await page.getByRole('textbox', { name: 'Scenario name' }).fill('Shared <b>bold</b>');
  await page.getByRole('button', { name: 'Share link' }).click();
  const url = await page.getByRole('textbox', { name: /Share link/ }).inputValue();
  expect(url).toContain('#s=');
  const original = await autosaved(page);
  const other = await context.newPage();
  await other.goto(url);
  await waitForCanvas(other);
  await expect(other.getByRole('textbox', { name: 'Scenario name' })).toHaveValue('Shared <b>bold</b>');
  await expect(other.locator('b')).toHaveCount(0);
  await expect(other.getByRole('status', { name: 'Message' })).toContainText('Opened the shared scenario');
  const opened = await autosaved(other);
  expect(opened?.resources).toEqual(original?.resources);
});

test('broken, truncated, bomb and hostile links show an error and never replace the autosaved work', async ({ page }) => {
  await openFresh(page);
  await page.getByRole('textbox', { name: 'Scenario name' }).fill('Precious work');
  await expect.poll(async () => (await autosaved(page))?.name).toBe('Precious work');
  const saved = await page.evaluate((k) => localStorage.getItem(k), AUTOSAVE_KEY);

  const bomb = b64url(deflateSync(new Uint8Array(40 * 1024 * 1024), { level: 9 }));
  const notScenario = b64url(deflateSync(strToU8(JSON.stringify({ netplay: 1, name: 'x', resources: [{ id: 'a', kind: 'vm', name: '<script>' }, { id: 'b', kind: 'rocket' }] }))));
  const good = b64url(deflateSync(strToU8(JSON.stringify({ netplay: 1, name: 'ok', resources: [] }))));
  const cases: [string, RegExp][] = [
    ['#s=%%%garbage', /not base64url/],
    [`#s=${good.slice(0, good.length - 6)}`, /truncated|damaged/],
    [`#s=${bomb}`, /more than 2 MB/],
    [`#s=${notScenario}`, /unknown kind "rocket"/],
  ];
  for (const [hash, message] of cases) {
    await page.goto(`/${hash}`);
    await waitForCanvas(page);
    await expect(page.getByRole('alert', { name: 'Problem' })).toContainText(message);
    await expect(page.getByRole('alert', { name: 'Problem' })).toContainText('Your saved work is unchanged');
    await expect(page.getByRole('textbox', { name: 'Scenario name' })).toHaveValue('Precious work');
    expect(await page.evaluate((k) => localStorage.getItem(k), AUTOSAVE_KEY)).toBe(saved);
  }
});

test('a hostile name is shown as text, never as HTML', async ({ page }) => {
  const hostile = { netplay: 1, name: '<img src=x onerror="window.__pwned=1">', description: '<script>window.__pwned=2</script>', resources: [{ id: 'web', kind: 'vm', name: '<img src=y onerror="window.__pwned=3">' }] };
  await openFresh(page, `#s=${b64url(deflateSync(strToU8(JSON.stringify(hostile))))}`);
  await expect(node(page, 'web')).toContainText('<img src=y');
  await expect(page.getByRole('textbox', { name: 'Scenario name' })).toHaveValue(hostile.name);
  await expect(page.locator('img')).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
});

test('importing a bad JSON file names the problem and keeps the current document', async ({ page }) => {
  await openFresh(page);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import JSON' }).click();
  const bad = { netplay: 1, name: 'bad', resources: [{ id: 'v', kind: 'vnet', name: 'v', addressSpace: ['10.0.0.0/33'] }] };
  await (await chooser).setFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  await expect(page.getByRole('alert', { name: 'Problem' })).toContainText("file 'bad.json' is not a valid scenario");
  await expect(page.getByRole('alert', { name: 'Problem' })).toContainText('v.addressSpace[0]');
  await expect(page.getByRole('textbox', { name: 'Scenario name' })).toHaveValue(/ILPIP/);

  const chooser2 = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import JSON' }).click();
  await (await chooser2).setFiles({ name: 'nonsense.json', mimeType: 'application/json', buffer: Buffer.from('{"netplay": 1, ') });
  await expect(page.getByRole('alert', { name: 'Problem' })).toContainText('not JSON');

  const chooser3 = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import JSON' }).click();
  const good = { netplay: 1, name: 'Imported one', resources: [{ id: 'web', kind: 'internetHost', name: 'web', address: '8.8.8.8' }] };
  await (await chooser3).setFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
  await expect(page.getByRole('textbox', { name: 'Scenario name' })).toHaveValue('Imported one');
  await expect(node(page, 'web')).toBeVisible();
});

test('export JSON downloads the document', async ({ page }) => {
  await openFresh(page);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSON' }).click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/\.netplay\.json$/);
  const text = await (await d.createReadStream()).toArray();
  const doc = JSON.parse(Buffer.concat(text).toString('utf8'));
  expect(doc.netplay).toBe(1);
  expect(doc.resources.length).toBe(10);
});
