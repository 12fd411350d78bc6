#!/usr/bin/env node
/**
 * Playwright records videos with its own ffmpeg build, which it downloads; machines that cannot
 * download browsers (CI, this one) have Debian's /usr/bin/ffmpeg instead. This links it where
 * Playwright looks: ~/.cache/ms-playwright/ffmpeg-<revision>/ffmpeg-linux, the revision read from
 * playwright-core's browsers.json. Does nothing when Playwright's own ffmpeg is already there.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, lstatSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const SYSTEM_FFMPEG = process.env.NETPLAY_FFMPEG ?? '/usr/bin/ffmpeg';

const require = createRequire(import.meta.url);
const browsersJson = join(dirname(require.resolve('playwright-core/package.json')), 'browsers.json');
const revision = JSON.parse(readFileSync(browsersJson, 'utf8')).browsers.find((b) => b.name === 'ffmpeg')?.revision;
if (!revision) {
  console.error(`setup-ffmpeg: no ffmpeg entry in ${browsersJson}`);
  process.exit(1);
}
const root = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache', 'ms-playwright');
const dir = join(root, `ffmpeg-${revision}`);
const target = join(dir, 'ffmpeg-linux');

if (existsSync(target)) {
  console.error(`setup-ffmpeg: ${target} is there`);
  process.exit(0);
}
if (!existsSync(SYSTEM_FFMPEG)) {
  console.error(`setup-ffmpeg: neither ${target} nor ${SYSTEM_FFMPEG} exists; install ffmpeg (apt-get install ffmpeg) or run npx playwright install ffmpeg`);
  process.exit(1);
}
mkdirSync(dir, { recursive: true });
try {
  if (lstatSync(target, { throwIfNoEntry: false })) unlinkSync(target); // a dangling link
} catch {
  // nothing to remove
}
symlinkSync(SYSTEM_FFMPEG, target);
console.error(`setup-ffmpeg: linked ${target} -> ${SYSTEM_FFMPEG}`);
