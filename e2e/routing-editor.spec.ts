/**
 * Issue 6/7 through the editor: a Linux router dragged from the palette into a subnet, its
 * iptables rules typed in the inspector (a bad one flagged at its line, then fixed), a second
 * subnet giving it eth1; a route table created from the palette, given a route in the inspector
 * and connected to a subnet.
 */
import { expect, test } from '@playwright/test';
import { autosaved, connectHandles, inspector, node, openFresh } from './editor-helpers.ts';
import { openFromGallery } from './run-helpers.ts';

type Saved = { resources: { id: string; kind: string; iptables?: string[]; routeTable?: string; routes?: unknown[]; vm?: string; subnet?: string }[] };

test('build a Linux router by hand: eth0 in a subnet, a bad iptables rule flagged at its line, then fixed', async ({ page }) => {
  await openFresh(page);
  await page.getByRole('button', { name: 'Add Linux router' }).dragTo(node(page, 'default'), { targetPosition: { x: 290, y: 130 } });
  const router = node(page, 'router1');
  await expect(router).toBeVisible();
  await expect(page.getByRole('status', { name: 'Message' })).toContainText("Added Linux router 'router1'");
  await expect(page.locator('.react-flow__edge[data-id="router1-nic1::subnet"]')).toHaveCount(1);
  await expect(router.getByRole('list', { name: 'interfaces of router1' })).toContainText('eth010.8.0.6/24');
  await expect(router).toContainText('0 iptables rules');

  const panel = inspector(page);
  await expect(panel.getByRole('region', { name: 'Interfaces' })).toContainText('eth0 = NIC router1-nic1, 10.8.0.6/24');
  await expect(panel.getByRole('checkbox', { name: 'Enable IP forwarding' })).toBeChecked();
  const rules = panel.getByRole('textbox', { name: 'iptables rules, one per line', exact: true });
  await rules.click();
  // Line 2 misspells the chain.
  await rules.fill('-A FORWARD -i eth0 -j ACCEPT\n-t nat -A POSTROUTNG -o eth0 -j MASQUERADE');
  const problems = panel.getByRole('list', { name: 'Problems in iptables rules, one per line' });
  await expect(problems).toBeVisible();
  await expect(problems.getByRole('listitem')).toHaveCount(1);
  await expect(problems.getByRole('listitem')).toContainText('line 2');
  await expect(problems.getByRole('listitem')).toContainText('POSTROUTNG');
  await expect(rules).toHaveAttribute('aria-invalid', 'true');
  await expect(router.locator('.node-badge')).toHaveText('1');

  // Fixed: accepted, no problem left, and the canvas sums up the NAT rule.
  await rules.fill('-A FORWARD -i eth0 -j ACCEPT\n-t nat -A POSTROUTING -o eth0 -j MASQUERADE');
  await expect(problems).toBeHidden();
  await expect(rules).not.toHaveAttribute('aria-invalid', 'true');
  await expect(router.locator('.node-badge')).toHaveCount(0);
  await expect(router).toContainText('2 iptables rules');
  await expect(router.getByRole('list', { name: 'NAT rules of router1' })).toHaveText('MASQUERADE out eth0');
  await expect(panel.getByRole('region', { name: 'NAT behaviour' })).toContainText('Mapping: EIM');
  await expect
    .poll(async () => ((await autosaved(page)) as Saved | null)?.resources.find((r) => r.id === 'router1')?.iptables)
    .toEqual(['-A FORWARD -i eth0 -j ACCEPT', '-t nat -A POSTROUTING -o eth0 -j MASQUERADE']);
});

test('a second subnet connected to the Linux router gives it eth1', async ({ page }) => {
  await openFromGallery(page, /GCP Cloud NAT with and without endpoint-independent mapping/);
  // Dropped into 'default-subnet', right of its VM: eth0 there, the router placed right of the VNet.
  const box = await node(page, 'default-subnet').boundingBox();
  if (!box) throw new Error('no subnet on screen');
  await page.getByRole('button', { name: 'Add Linux router' }).dragTo(node(page, 'default-subnet'), { targetPosition: { x: box.width * 0.8, y: box.height * 0.3 } });
  const router = node(page, 'router1');
  await expect(router).toBeVisible();
  const ifaces = router.getByRole('list', { name: 'interfaces of router1' });
  await expect(ifaces.getByRole('listitem')).toHaveCount(1);
  await expect(ifaces.getByRole('listitem').first()).toContainText(/eth010\.4\.0\.\d+\/24/);
  await expect(page.locator('.react-flow__edge[data-id="router1-nic1::subnet"]')).toHaveCount(1);
  await connectHandles(page, 'router1', 'attach', 'eim-subnet', 'natgw');
  await expect(page.getByRole('status', { name: 'Message' })).toContainText('Connected');
  await expect(ifaces.getByRole('listitem')).toHaveCount(2);
  await expect(ifaces.getByRole('listitem').nth(1)).toContainText(/eth110\.4\.1\.\d+\/24/);
  await expect(page.locator('.react-flow__edge[data-id="router1-nic2::subnet"]')).toHaveCount(1);
  await expect(inspector(page).getByRole('region', { name: 'Interfaces' })).toContainText('eth1 = NIC router1-nic2');
  await expect
    .poll(async () => ((await autosaved(page)) as Saved | null)?.resources.filter((r) => r.kind === 'nic' && r.vm === 'router1').map((r) => r.subnet))
    .toEqual(['default-subnet', 'eim-subnet']);
});

test('route table: create one, add a route in the inspector, connect a subnet; the edge and the route show', async ({ page }) => {
  await openFresh(page);
  const edges = page.locator('.react-flow__edge');
  await expect(edges).toHaveCount(3);
  await page.getByRole('button', { name: 'Add Route table' }).click();
  const rt = node(page, 'rt1');
  await expect(rt).toBeVisible();
  await expect(rt).toContainText('no routes: system routes apply');

  const panel = inspector(page);
  const form = panel.getByRole('region', { name: 'Route table rt1' });
  await form.getByRole('button', { name: 'Add route' }).click();
  await form.getByLabel('Address prefix').fill('0.0.0.0/0');
  await form.getByLabel('Next hop type').selectOption('VirtualAppliance');
  await form.getByLabel('Next hop IP address').fill('10.0.1.4');
  await expect(rt.getByRole('list', { name: 'routes of rt1' })).toHaveText('0.0.0.0/0 → VirtualAppliance 10.0.1.4');
  await expect(rt).toContainText('1 route');

  // From the table's handle to the subnet's (the subnet's handle sits under an edge of the scenario).
  await connectHandles(page, 'rt1', 'rt', 'default', 'natgw');
  await expect(page.getByRole('status', { name: 'Message' })).toContainText('Connected');
  await expect(edges).toHaveCount(4);
  await expect(page.locator('.react-flow__edge[data-id="default::routeTable"]')).toHaveClass(/edge-route-table/);
  await expect.poll(async () => ((await autosaved(page)) as Saved | null)?.resources.find((r) => r.id === 'default')?.routeTable).toBe('rt1');
});
