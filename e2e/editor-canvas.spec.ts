/** Building on the canvas as a person would: drag from the palette, connect handles, refusals. */
import { expect, test } from '@playwright/test';
import { autosaved, connectHandles, node, openFresh } from './editor-helpers.ts';

test('drag a VM from the palette into a subnet: it gets a name and the next free IP', async ({ page }) => {
  await openFresh(page);
  await page.getByRole('button', { name: 'Add VM' }).dragTo(node(page, 'default'), { targetPosition: { x: 230, y: 110 } });
  const vm = node(page, 'vm1');
  await expect(vm).toBeVisible();
  await expect(vm).toContainText('vm1-nic1');
  await expect(vm).toContainText('10.8.0.6');
  await expect(page.getByRole('status', { name: 'Message' })).toContainText("Added VM 'vm1'");
  await expect.poll(async () => (await autosaved(page))?.resources.map((r) => r.id)).toContain('vm1-nic1');
});

test('a VM dropped outside any subnet is refused with the reason', async ({ page }) => {
  await openFresh(page);
  await page.getByRole('button', { name: 'Add VM' }).dragTo(page.locator('.react-flow__pane'), { targetPosition: { x: 60, y: 40 } });
  await expect(page.getByRole('alert', { name: 'Problem' })).toContainText('drop it inside a subnet');
  await expect(page.locator('.react-flow__node[data-id="vm1"]')).toHaveCount(0);
});

test('connect a public IP to a NIC; a connection that makes no sense is refused', async ({ page }) => {
  await openFresh(page);
  const edges = page.locator('.react-flow__edge');
  await expect(edges).toHaveCount(3);
  // A new public IP, created by clicking the palette (placed in a free spot of the view).
  await page.getByRole('button', { name: 'Add Public IP' }).click();
  await expect(node(page, 'pip1')).toBeVisible();
  await connectHandles(page, 'pip1', 'pip', 'vm-slb', 'ipc:vm-slb-nic:0');
  await expect(page.getByRole('status', { name: 'Message' })).toContainText('Connected');
  await expect(edges).toHaveCount(4);
  await expect(node(page, 'vm-slb')).toContainText('PIP');
  // lb-pip already serves the load balancer.
  await connectHandles(page, 'lb-pip', 'pip', 'vm-ilpip', 'ipc:vm-ilpip-nic:0');
  await expect(page.getByRole('alert', { name: 'Problem' })).toContainText("already associated with load balancer 'lb'");
  // A public IP on a subnet makes no sense.
  await connectHandles(page, 'pip1', 'pip', 'default', 'natgw');
  await expect(page.getByRole('alert', { name: 'Problem' })).toContainText('A public IP cannot connect to a subnet');
  await expect(edges).toHaveCount(4);
});
