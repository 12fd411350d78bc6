/** Building on the canvas as a person would: drag from the palette, connect handles, refusals. */
import { expect, test, type Page } from '@playwright/test';
import { autosaved, node, openFresh } from './editor-helpers.ts';

function handle(page: Page, nodeId: string, handleId: string) {
  return page.locator(`.react-flow__handle[data-nodeid="${nodeId}"][data-handleid="${handleId}"]`);
}

/** Drags from one handle to another with the real mouse, as React Flow's own tests do. */
async function connectHandles(page: Page, from: string, fromHandle: string, to: string, toHandle: string) {
  const a = await handle(page, from, fromHandle).boundingBox();
  const b = await handle(page, to, toHandle).boundingBox();
  if (!a || !b) throw new Error('handle not on screen');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

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
