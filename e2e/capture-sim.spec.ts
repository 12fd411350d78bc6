/**
 * Capturing in the simulation as a person would: "Capture here" from a node's context menu, a
 * capture filter checked as it is typed, the run fills the capture, a selected frame is followed
 * on the canvas and in the trace, and the capture exported from the UI reads in tshark with no
 * malformed frame.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { needTshark, tsharkFields } from './capture-helpers.ts';
import { openFromGallery, openTab, scrubTo } from './run-helpers.ts';

test('capture here, filter, run, follow and export: tshark reads every frame, none malformed', async ({ page }, info) => {
  needTshark();
  test.setTimeout(120_000);
  await openFromGallery(page);
  // Right-click the Internet host: "Capture here" adds a capture point (and opens the Capture tab).
  await page.locator('.react-flow__node[data-id="nomupro"]').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Capture here' }).click();
  await expect(page.getByRole('tab', { name: 'Capture' })).toHaveAttribute('aria-selected', 'true');
  const filter = page.getByRole('textbox', { name: /^Capture filter of cap-nomupro-/ });
  await expect(filter).toBeVisible();
  // Validated as it is typed, with libpcap's reason.
  await filter.fill('tcp port 70000');
  await expect(filter).toHaveClass(/invalid/);
  await expect(page.getByRole('alert').filter({ hasText: 'illegal port number 70000 > 65535' })).toBeVisible();
  await filter.fill('tcp and src host 13.71.134.177');
  await expect(filter).toHaveClass(/valid/);
  await filter.press('Enter');

  await scrubTo(page, 3);
  await openTab(page, 'Capture');
  await expect(page.locator('.cap-row[data-frame="1"]')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('combobox', { name: 'Capture shown' })).toHaveValue(/.+/);

  // Each capture point is also its own capture (like one tcpdump per point): the filtered one only
  // holds the server's replies.
  const source = page.getByRole('combobox', { name: 'Capture shown' });
  const point = source.locator('option', { hasText: /^Simulation: cap-nomupro-\d+ \(nomupro\)$/ });
  await expect(point).toHaveCount(1);
  await source.selectOption({ label: (await point.textContent()) ?? '' });
  await expect(page.locator('.cap-row[data-frame="1"]')).toBeVisible();
  const sources = await page.locator('.cap-row[data-frame] .c-src').allTextContents();
  expect(sources.length).toBeGreaterThan(2);
  expect(new Set(sources)).toEqual(new Set(['13.71.134.177']));
  await source.selectOption({ label: 'Simulation: all capture points' });
  // In the merged capture, a display filter finds them too.
  await page.getByRole('textbox', { name: 'Display filter' }).fill('ip.src == 13.71.134.177');
  await page.getByRole('textbox', { name: 'Display filter' }).press('Enter');
  await expect(page.locator('.cap-counts')).not.toContainText('filtering');
  const row = page.locator('.cap-row').nth(1);
  await row.click();
  const details = page.getByLabel('Packet details');
  await expect(details).toContainText(/packet #\d+ · (leaving|arriving at)/);
  // Follow: the packet's path is drawn on the canvas and its trace events listed.
  await expect(page.getByTestId('packet-path')).toBeAttached();
  const events = page.getByRole('list', { name: 'Trace events of this packet' }).getByRole('listitem');
  await expect(events.first()).toBeVisible();
  expect(await events.count()).toBeGreaterThan(1);

  // Export all frames as pcapng and as pcap from the UI; tshark reads them, no malformed frame.
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.locator('.cap-counts')).toContainText('Packets:');
  const shown = Number(((await page.locator('.cap-counts').textContent()) ?? '').match(/Packets: ([\d,]+)/)?.[1]?.replace(/,/g, '') ?? '0');
  expect(shown).toBeGreaterThan(5);
  for (const label of ['All packets as pcapng', 'All packets as pcap']) {
    await page.getByRole('button', { name: 'Export ▾' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: label, exact: true }).click()]);
    const path = info.outputPath(download.suggestedFilename());
    await download.saveAs(path);
    expect(readFileSync(path).length).toBeGreaterThan(100);
    const frames = tsharkFields(path, ['frame.number', '_ws.col.Protocol']);
    expect(frames.length).toBeGreaterThanOrEqual(shown);
    expect(tsharkFields(path, ['frame.number'], [], '_ws.malformed || _ws.expert.severity >= error')).toEqual([]);
    expect(frames.every((f) => /^(TCP|HTTP|ICMP|UDP|VXLAN|ARP)$/.test(f[1] ?? ''))).toBe(true);
  }
});

test('the inspector offers "Capture here" for the selected node and lists its capture points', async ({ page }) => {
  await openFromGallery(page);
  await page.locator('.react-flow__node[data-id="vm-slb"]').click();
  const section = page.getByRole('region', { name: 'Capture on vm-slb' });
  await expect(section).toBeVisible();
  await section.getByRole('button', { name: 'Capture here' }).click();
  const input = section.getByRole('textbox', { name: /^Capture filter of cap-vm-slb-/ });
  await expect(input).toBeVisible();
  await input.fill('not tcp port 22');
  await input.press('Enter');
  await expect(page.getByRole('tab', { name: 'Capture' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.cap-toolbar').getByRole('textbox', { name: /^Capture filter of cap-vm-slb-/ })).toHaveValue('not tcp port 22');
  // One undo step removes the point again.
  await page.locator('.react-flow__pane').click();
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(page.locator('.cap-toolbar').getByRole('textbox', { name: /^Capture filter of cap-vm-slb-/ })).toHaveCount(0);
});
