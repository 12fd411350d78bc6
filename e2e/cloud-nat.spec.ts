/**
 * Issue 7 through the UI: GCP Cloud NAT with and without endpoint-independent mapping, opened
 * from the Gallery and read from the SNAT panel, the Sockets panel and the Cloud NAT inspector.
 */
import { expect, test, type Page } from '@playwright/test';
import { selectNode } from './editor-helpers.ts';
import { clock, openFromGallery, openTab } from './run-helpers.ts';

/** Runs the whole scenario (the state each shows is reached by 3 virtual seconds). */
async function runToEnd(page: Page, speed = '10'): Promise<void> {
  await page.getByLabel('Speed preset').selectOption(speed);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByLabel('Run status')).toHaveText('finished', { timeout: 120_000 });
  expect(await clock(page)).toBeGreaterThanOrEqual(3);
}

const EIM = /GCP Cloud NAT with and without endpoint-independent mapping/;

test.describe('gallery: GCP Cloud NAT with and without EIM', () => {
  test('without EIM 128 connections get through, with EIM 64 and the rest are dropped OUT_OF_RESOURCES on the VM host', async ({ page }) => {
    await openFromGallery(page, EIM);
    await runToEnd(page);
    await openTab(page, 'Sockets');
    const filter = page.getByLabel('Filter sockets');
    const vmDefault = page.getByRole('region', { name: 'Sockets of vm-default' });
    const eim = page.getByRole('region', { name: 'Sockets of vm-eim' });
    await filter.fill('13.71.134.202');
    await expect(vmDefault.getByRole('cell', { name: 'ESTABLISHED' })).toHaveCount(64);
    await expect(eim.getByRole('cell', { name: 'SYN_SENT' })).toHaveCount(64);
    await expect(eim.getByRole('cell', { name: 'ESTABLISHED' })).toHaveCount(0);
    await filter.fill('13.71.134.201');
    await expect(vmDefault.getByRole('cell', { name: 'ESTABLISHED' })).toHaveCount(64);
    await expect(eim.getByRole('cell', { name: 'ESTABLISHED' })).toHaveCount(64);

    await openTab(page, 'SNAT');
    const apdm = page.getByRole('region', { name: "SNAT device Cloud NAT 'nat-default'" });
    await expect(apdm.getByLabel("Mapping behaviour of Cloud NAT 'nat-default'")).toContainText('RFC 4787 mapping: APDM');
    await expect(apdm).toContainText("translated by each VM's own host");
    const withEim = page.getByRole('region', { name: "SNAT device Cloud NAT 'nat-eim'" });
    await expect(withEim.getByLabel("Mapping behaviour of Cloud NAT 'nat-eim'")).toContainText('RFC 4787 mapping: EIM');
    const drops = withEim.getByRole('table', { name: "Dropped sent packets of Cloud NAT 'nat-eim'" }).getByRole('row').filter({ hasText: 'vm-eim' });
    await expect(drops.getByRole('cell').nth(1)).toHaveText('64');
    await expect(drops.getByRole('cell').nth(2)).not.toHaveText('0');
    const mappings = page.getByRole('region', { name: 'SNAT mappings' });
    await mappings.getByLabel('Filter SNAT mappings').fill('34.90.1.10:1024');
    await expect(mappings.getByRole('row')).toHaveCount(3);
    await expect(mappings).toContainText('13.71.134.201:443');
    await expect(mappings).toContainText('13.71.134.202:443');
    await expect(mappings.getByRole('row').nth(1)).toContainText('APDM');
  });

  test('the inspector of each Cloud NAT names its mapping behaviour and what it costs, without running', async ({ page }) => {
    await openFromGallery(page, EIM);
    await selectNode(page, 'nat-eim');
    const section = page.getByRole('region', { name: 'NAT behaviour' });
    await expect(section).toContainText('Mapping: EIM');
    await expect(section).toContainText('one NAT IP:port toward every destination');
    await selectNode(page, 'nat-default');
    await expect(section).toContainText('Mapping: APDM');
    await expect(section).toContainText('OUT_OF_RESOURCES');
    await selectNode(page, 'vm-eim');
    const path = page.getByRole('region', { name: 'Outbound path' });
    await expect(path).toContainText("GCP Cloud NAT (on the VM's host)");
    await expect(path).toContainText('34.90.1.20');
    await expect(path).toContainText('endpoint-independent mapping: one NAT IP:port per internal IP:port toward every destination');
  });
});

test.describe('gallery: one VM fleet behind three clouds\' NAT', () => {
  test('GCP runs out per VM at 64 ports; the Azure and AWS gateways carry all 800 and say where they would stop', async ({ page }) => {
    test.setTimeout(180_000);
    await openFromGallery(page, /One VM fleet behind three clouds/);
    await runToEnd(page, '100');
    await openTab(page, 'SNAT');
    const aws = page.getByRole('region', { name: "SNAT device AWS NAT gateway 'aws-natgw'" });
    await expect(aws).toContainText('idle timeout 350 s, then a RST on the next packet');
    await expect(aws.getByLabel("Mapping behaviour of AWS NAT gateway 'aws-natgw'")).toContainText('55,000 connections per public address');
    const cw = aws.getByRole('table', { name: "CloudWatch metrics of AWS NAT gateway 'aws-natgw'" });
    await expect(cw.getByRole('row').filter({ hasText: 'ActiveConnectionCount' }).getByRole('cell')).toHaveText('800');
    await expect(cw.getByRole('row').filter({ hasText: 'ErrorPortAllocation' }).getByRole('cell')).toHaveText('0');
    const azure = page.getByRole('region', { name: "SNAT device NAT gateway 'azure-natgw'" });
    await expect(azure.getByLabel("Mapping behaviour of NAT gateway 'azure-natgw'")).toContainText('50,000 per public IP');
    const gcp = page.getByRole('region', { name: "SNAT device Cloud NAT 'gcp-nat'" });
    await expect(gcp).toContainText('64 ports per instance');
    for (const vm of ['gcp-vm1', 'gcp-vm2', 'gcp-vm3', 'gcp-vm4']) {
      const row = gcp.getByRole('table', { name: "Dropped sent packets of Cloud NAT 'gcp-nat'" }).getByRole('row').filter({ hasText: vm });
      await expect(row.getByRole('cell').nth(1)).toHaveText('64');
      await expect(row.getByRole('cell').nth(2)).not.toHaveText('0');
    }
    const perVm = gcp.getByRole('table', { name: "Ports per instance of Cloud NAT 'gcp-nat'" }).getByRole('row').filter({ hasText: 'gcp-vm1' }).filter({ hasText: 'TCP' });
    await expect(perVm.getByRole('cell').nth(4)).toHaveText('64');
    await expect(perVm.getByRole('cell').nth(6)).toHaveText('64');
  });
});

test.describe('RFC 4787 mapping behaviour in the inspector of Azure NAT devices', () => {
  test('an Azure NAT gateway and a load balancer with an outbound rule say APDM and what it means', async ({ page }) => {
    await openFromGallery(page, /A NAT gateway wins over instance-level public IPs/);
    await selectNode(page, 'natgw');
    const section = page.getByRole('region', { name: 'NAT behaviour' });
    await expect(section).toContainText('Mapping: APDM');
    await expect(section).toContainText('a second flow to the same destination endpoint needs a different port');
    await openFromGallery(page, /The 9th connection hangs/);
    await selectNode(page, 'lb');
    await expect(section).toContainText('Mapping: APDM (TCP), ADM (UDP)');
    await expect(section).toContainText('port-restricted cone');
  });
});
