/**
 * Issue 6 (latency) through the UI: the TCP ping gallery scenario, opened from the Gallery, run to
 * its end, and read from the TCP ping tab (ethr's counters and statistics).
 */
import { expect, test } from '@playwright/test';
import { openFromGallery, openTab, runStatus } from './run-helpers.ts';

test('gallery: TCP ping to a VM public IP shows ethr statistics (1.472 ms)', async ({ page }) => {
  await openFromGallery(page, /TCP ping \(ethr\)/);
  await openTab(page, 'TCP ping');
  await page.getByLabel('Speed preset').selectOption('100');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => runStatus(page), { timeout: 40_000 }).toBe('finished');
  const run = page.getByRole('region', { name: 'TCP ping ethr' });
  await expect(run).toContainText('client → [20.60.0.5]:8888');
  await expect(run.getByLabel('Ping counts')).toHaveText('Sent = 60, Received = 60, Lost = 0');
  const stats = run.getByRole('table', { name: 'Handshake latency of ethr' });
  await expect(stats.getByRole('columnheader')).toHaveText(['Avg', 'Min', '50%', '90%', '95%', '99%', '99.9%', '99.99%', 'Max']);
  await expect(stats.getByRole('cell').first()).toHaveText('1.472ms');
});
