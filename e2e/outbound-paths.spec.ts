/**
 * Issue 4 through the UI: default outbound access and Redeploy VM, AKS's outbound choices, and a
 * NAT gateway over ILPIPs, each opened from the Gallery and read from the panels and inspector.
 */
import { expect, test, type Page } from '@playwright/test';
import { selectNode } from './editor-helpers.ts';
import { clock, openFromGallery, openTab } from './run-helpers.ts';

/** Runs (as a person would: Run, then Pause) until the virtual clock has passed `seconds`. */
async function runTo(page: Page, seconds: number): Promise<void> {
  await page.getByLabel('Speed preset').selectOption(seconds >= 100 ? '100' : '10');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => clock(page), { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(seconds);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByLabel('Run status')).toHaveText('paused');
}

async function seenAs(page: Page, host: string): Promise<string[]> {
  const rows = page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: host });
  return (await rows.all()).length ? Promise.all((await rows.all()).map(async (r) => (await r.getByRole('cell').nth(5).textContent()) ?? '')) : [];
}

test('default outbound access: the echo sees a pool IP, and another one after Redeploy (timeline and button)', async ({ page }) => {
  await openFromGallery(page, /Default outbound access/);
  await runTo(page, 30);
  await openTab(page, 'Sockets');
  await expect.poll(async () => (await seenAs(page, 'vm1')).length).toBe(4);
  const ips = (await seenAs(page, 'vm1')).map((s) => s.split(':')[0]);
  expect(ips[0]).toMatch(/^20\.232\./);
  expect(ips[1]).toBe(ips[0]);
  expect(ips[2]).toMatch(/^20\.232\./);
  expect(ips[2]).not.toBe(ips[0]);
  expect(ips[3]).toBe(ips[2]);
  await selectNode(page, 'vm1');
  const section = page.getByRole('region', { name: 'Outbound path' });
  await expect(section).toContainText('default outbound access');
  await expect(section).toContainText(ips[2]!);
  await section.getByRole('button', { name: 'Redeploy VM' }).click();
  await expect(section).not.toContainText(ips[2]!);
  await expect(section).toContainText(/20\.232\.\d+\.\d+/);
  await openTab(page, 'SNAT');
  await expect(page.getByRole('region', { name: /SNAT device default outbound access of vm1 \(after redeploy 2\)/ })).toBeVisible();
});

test('AKS Standard: the nodes leave from the aksOutboundRule frontend IP', async ({ page }) => {
  await openFromGallery(page, /AKS outbound \(1\/3\)/);
  await runTo(page, 5);
  await openTab(page, 'Sockets');
  await expect.poll(async () => (await seenAs(page, 'node')).sort()).toEqual(['20.62.10.4:1024', '20.62.10.4:2048', '20.62.10.4:3072']);
  await openTab(page, 'SNAT');
  const dev = page.getByRole('region', { name: /SNAT device outbound rule 'aksOutboundRule'/ });
  await expect(dev).toContainText('Protocol All · 1,024 ports per instance (default table) · idle timeout 30 min · TCP reset on');
});

test('AKS Basic with no Service: default outbound access, one pool IP per node', async ({ page }) => {
  await openFromGallery(page, /AKS outbound \(2\/3\)/);
  await runTo(page, 3);
  await openTab(page, 'Sockets');
  await expect.poll(async () => (await seenAs(page, 'node')).length).toBe(2);
  const ips = (await seenAs(page, 'node')).map((s) => s.split(':')[0]!);
  expect(ips.every((ip) => ip.startsWith('20.232.'))).toBe(true);
  expect(new Set(ips).size).toBe(2);
});

test('AKS Basic with Services A then B: the nodes leave from Service A’s IP', async ({ page }) => {
  await openFromGallery(page, /AKS outbound \(3\/3\)/);
  await runTo(page, 3);
  await openTab(page, 'Sockets');
  await expect.poll(async () => (await seenAs(page, 'node')).sort()).toEqual(['20.62.20.10:1024', '20.62.20.10:2048']);
  await selectNode(page, 'node0');
  await expect(page.getByRole('region', { name: 'Outbound path' })).toContainText("load-balancing rule 'service-a-TCP-80' of Basic load balancer 'kubernetes'");
});

test('a NAT gateway on a subnet of ILPIP VMs: outbound leaves from the NAT gateway, SSH in through the ILPIP still works', async ({ page }) => {
  await openFromGallery(page, /A NAT gateway wins over instance-level public IPs/);
  await runTo(page, 8);
  await openTab(page, 'Sockets');
  await expect.poll(async () => (await seenAs(page, 'vm')).length).toBe(4);
  for (const s of await seenAs(page, 'vm')) expect(['20.48.5.10', '20.48.6.0', '20.48.6.1']).toContain(s.split(':')[0]);
  await expect(page.getByRole('region', { name: 'Connections' }).getByRole('row').filter({ hasText: 'admin' })).toContainText('established');
  await selectNode(page, 'vm1');
  const section = page.getByRole('region', { name: 'Outbound path' });
  await expect(section).toContainText('NAT gateway SNAT');
  await expect(section.getByRole('list', { name: 'Overridden outbound mechanisms' })).toContainText('instance-level public IP');
  await openTab(page, 'SNAT');
  await expect(page.getByRole('region', { name: /SNAT device NAT gateway 'natgw'/ })).toContainText('20.48.5.10, 20.48.6.0, 20.48.6.1');
});
