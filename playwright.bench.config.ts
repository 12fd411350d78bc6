import { defineConfig } from '@playwright/test';
import { browserLaunchOptions } from './e2e/browser.ts';

/**
 * Browser benchmarks (run by `npm run bench`, not by `npm test`): Playwright specs that measure
 * the app against a speed budget, e.g. no main-thread task over 100 ms while 100,000
 * connections are simulated. They print their figures; bench/ui.ts reads them.
 */
export default defineConfig({
  testDir: 'bench/ui',
  testMatch: '**/*.spec.ts',
  timeout: 300_000,
  workers: 1,
  reporter: [['line']],
  outputDir: 'bench/out/ui-results',
  use: {
    baseURL: 'http://127.0.0.1:4174',
    viewport: { width: 1280, height: 800 },
    launchOptions: browserLaunchOptions(),
  },
  webServer: {
    command: 'npx vite preview --host 127.0.0.1 --port 4174 --strictPort',
    url: 'http://127.0.0.1:4174',
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
