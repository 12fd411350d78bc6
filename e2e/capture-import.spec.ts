/**
 * Importing captures made by tcpdump in network namespaces (engine/dissect/fixtures, see
 * make-captures.sh: VXLAN on UDP 10800/10801 and 4789, TCP, UDP, ICMP, ARP) and checking what the
 * panel shows against what tshark prints for the same file.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { applyDisplayFilter, decodeAsVxlan, importCapture, needTshark, openCaptureTab, rowCells, tsharkFields } from './capture-helpers.ts';

const FIX = 'engine/dissect/fixtures';
const VX = ['udp.port==10800,vxlan', 'udp.port==10801,vxlan'];

test('the packet list of a tcpdump capture equals tshark\'s columns, frame by frame', async ({ page }) => {
  needTshark();
  const file = `${FIX}/underlay.pcap`;
  await openCaptureTab(page);
  await importCapture(page, file);
  await decodeAsVxlan(page, [10800, 10801]);
  const want = tsharkFields(file, ['frame.number', '_ws.col.Protocol', '_ws.col.Source', '_ws.col.Destination', 'frame.len'], VX);
  const scroll = page.getByTestId('packet-scroll');
  let checked = 0;
  for (const w of want) {
    const no = Number(w[0]);
    const row = page.locator(`.cap-row[data-frame="${no}"]`);
    if (!(await row.isVisible())) {
      await scroll.evaluate((el, top) => (el.scrollTop = top), (no - 3) * 20);
      await expect(row, `frame ${no}`).toBeVisible();
    }
    await expect.poll(() => rowCells(page, no)).toEqual([String(no), expect.any(String), w[2], w[3], w[1], w[4], expect.any(String)]);
    checked++;
  }
  expect(checked).toBe(want.length);
  // Keyboard: Home selects the first frame, arrows move the selection.
  await page.getByRole('grid', { name: 'Packet list' }).focus();
  await page.keyboard.press('Home');
  await expect(page.locator('.cap-row[data-frame="1"]')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('.cap-row[data-frame="3"]')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Packet details')).toContainText('Frame 3:');
});

test('a VXLAN frame\'s details, outer and inner, equal tshark\'s fields; clicking bytes selects the field', async ({ page }) => {
  needTshark();
  const file = `${FIX}/underlay.pcap`;
  await openCaptureTab(page);
  await importCapture(page, file);
  await decodeAsVxlan(page, [10800, 10801]);
  await applyDisplayFilter(page, 'vxlan.vni == 801 && tcp');
  const fields = ['frame.number', 'eth.src', 'ip.src', 'ip.dst', 'udp.dstport', 'vxlan.vni', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'tcp.stream'];
  const want = tsharkFields(file, fields, VX, 'vxlan.vni == 801 && tcp');
  expect(want.length).toBeGreaterThan(2);
  const first = want[1]!;
  const no = Number(first[0]);
  await page.locator(`.cap-row[data-frame="${no}"]`).click();
  const details = page.getByLabel('Packet details');
  await expect(details).toContainText(`Frame ${no}:`);
  for (let k = 1; k < fields.length; k++) {
    const values = first[k]!.split(',');
    const lines = details.locator(`[data-field="${fields[k]}"]`);
    await expect(lines).toHaveCount(values.length);
    for (let j = 0; j < values.length; j++) await expect(lines.nth(j)).toContainText(values[j]!);
  }
  // The inner layers follow VXLAN in the tree.
  const layers = await details.locator('[data-layer]').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
  expect(layers.slice(0, 6)).toEqual(['eth', 'ip', 'udp', 'vxlan', 'eth', 'ip']);
  // Clicking the VNI's bytes in the hex pane selects vxlan.vni in the tree.
  const vni = details.locator('[data-field="vxlan.vni"]');
  await vni.click();
  const hl = page.getByLabel('Packet bytes').locator('.hx .hl');
  await expect(hl).toHaveCount(3);
  await page.locator('.cap-details').getByText(/^Source Port/).first().click();
  await hl.first().click();
  await expect(page.locator('.cap-line.selected')).toHaveAttribute('data-field', /udp\.srcport/);
  // Follow TCP stream sets tshark's filter for that stream.
  await page.getByRole('button', { name: /^Follow TCP stream/ }).click();
  await expect(page.getByRole('textbox', { name: 'Display filter' })).toHaveValue(`tcp.stream eq ${first[fields.indexOf('tcp.stream')]}`);
  const streamFrames = tsharkFields(file, ['frame.number'], VX, `tcp.stream eq ${first[fields.indexOf('tcp.stream')]}`);
  await expect(page.locator('.cap-counts')).toContainText(`Displayed: ${streamFrames.length}`);
});

test('display filters: tshark\'s frames for valid filters, red with the reason for invalid ones', async ({ page }) => {
  needTshark();
  const file = `${FIX}/underlay.pcap`;
  await openCaptureTab(page);
  await importCapture(page, file);
  await decodeAsVxlan(page, [10800, 10801]);
  for (const f of ['icmp', 'tcp.flags.syn == 1 && !(tcp.flags.ack == 1)', 'ip.addr == 10.201.1.0/24 and udp', 'vxlan.vni == 800', 'ipv6 || arp']) {
    await applyDisplayFilter(page, f);
    const n = tsharkFields(file, ['frame.number'], VX, f).length;
    await expect(page.locator('.cap-counts')).toContainText(`Displayed: ${n} `);
  }
  const input = page.getByRole('textbox', { name: 'Display filter' });
  await input.fill('ip.sorce == 10.0.0.1');
  await expect(input).toHaveClass(/invalid/);
  await expect(page.getByRole('alert')).toContainText('"ip.sorce" is neither a field nor a protocol name.');
  await expect(page.getByRole('alert')).toContainText('at character 1');
  await input.fill('tcp.port == 70000');
  await expect(page.getByRole('alert')).toContainText('too big for this field');
  await input.fill('tcp.port == 80');
  await expect(input).toHaveClass(/valid/);
});

test('pcapng and gzipped files open; a truncated file keeps its frames and says where it breaks', async ({ page }) => {
  needTshark();
  const TMP = mkdtempSync(join(tmpdir(), 'netplay-capture-'));
  const ng = 'engine/pcap/fixtures/editcap-veth-us.pcapng';
  const gz = join(TMP, 'vx800.pcap.gz');
  writeFileSync(gz, gzipSync(new Uint8Array(readFileSync(`${FIX}/vx800.pcap`))));
  const cut = join(TMP, 'cut.pcap');
  const whole = readFileSync(`${FIX}/underlay.pcap`);
  writeFileSync(cut, whole.subarray(0, whole.length - 30));
  copyFileSync(ng, join(TMP, 'copy.pcapng'));

  await openCaptureTab(page);
  await importCapture(page, join(TMP, 'copy.pcapng'));
  const ngN = tsharkFields(ng, ['frame.number']).length;
  await expect(page.locator('.cap-counts')).toContainText(`Packets: ${ngN} `);

  await importCapture(page, gz);
  const gzN = tsharkFields(`${FIX}/vx800.pcap`, ['frame.number']).length;
  await expect(page.locator('.cap-counts')).toContainText(`Packets: ${gzN} `);

  await page.getByTestId('capture-file-input').setInputFiles(cut);
  const alert = page.locator('.cap-notice.error');
  await expect(alert).toContainText(/The file is damaged at byte \d+/);
  const full = tsharkFields(`${FIX}/underlay.pcap`, ['frame.number']).length;
  await expect(alert).toContainText(`The ${full - 1} frames before it are shown.`);
  await expect(page.locator('.cap-counts')).toContainText(`Packets: ${full - 1} `);
  // The three files are open side by side (next to the simulation's capture), none lost.
  const options = page.getByRole('combobox', { name: 'Capture shown' }).locator('option');
  await expect(options.filter({ hasText: /^(copy\.pcapng|vx800\.pcap\.gz|cut\.pcap)$/ })).toHaveCount(3);
});

test('dropping a .pcapng.gz anywhere on the app opens it in the Capture tab; the scenario is untouched', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  await expect(page.locator('.react-flow__node').first()).toBeVisible();
  const before = await page.locator('.react-flow__node').count();
  const gz = Array.from(gzipSync(new Uint8Array(readFileSync('engine/pcap/fixtures/editcap-veth-us.pcapng'))));
  await page.evaluate((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'dropped.pcapng.gz'));
    const target = document.querySelector('.app')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, gz);
  await expect(page.getByRole('tab', { name: 'Capture' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.cap-row[data-frame="1"]')).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Capture shown' })).toContainText('dropped.pcapng.gz');
  expect(await page.locator('.react-flow__node').count()).toBe(before);
});
