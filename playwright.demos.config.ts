import { defineConfig } from '@playwright/test';
import { browserLaunchOptions } from './e2e/browser.ts';

/**
 * `npm run demos`: every gallery scenario driven through the UI, recorded as a video with a
 * closing screenshot, into demos/ (git-ignored). scripts/setup-ffmpeg.mjs runs first so that
 * Playwright finds an ffmpeg to encode with.
 */
export default defineConfig({
  testDir: 'e2e/demos',
  testMatch: '**/*.demo.ts',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'demos/.results',
  use: {
    baseURL: 'http://127.0.0.1:4173',
    viewport: { width: 1280, height: 800 },
    video: { mode: 'on', size: { width: 1280, height: 800 } },
    launchOptions: browserLaunchOptions(),
  },
  webServer: {
    command: 'npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
    url: 'http://127.0.0.1:4173',
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
