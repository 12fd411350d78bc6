/**
 * The app's load budget (issue 3, item 10): the initial JavaScript, gzipped, under 400 kB, and the
 * app interactive within 1.5 s of navigation from `vite preview`.
 *
 * Initial JavaScript is the entry chunk of dist/.vite/manifest.json plus every chunk it imports
 * statically (dynamic imports, the worker and the gallery files load later). Interactive means:
 * the canvas has drawn its nodes, the palette is there, and a click on a control takes effect
 * (the Trace tab gets selected); measured from navigation start with Playwright, best of 3 loads.
 *
 *   npx vite build && npx tsx bench/bundle.ts      (also run by `npm run bench`)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { browserLaunchOptions } from '../e2e/browser.ts';
import type { Figure } from './run.ts';

const DIST = new URL('../dist/', import.meta.url);
const PORT = 4179;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
}

/** The entry chunk and its static imports, as files under dist/. */
export function initialChunks(manifest: Record<string, ManifestChunk>): string[] {
  const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
  if (!entry) throw new Error('the manifest has no entry chunk');
  const seen = new Set<string>();
  const walk = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const i of manifest[key]?.imports ?? []) walk(i);
  };
  walk(entry);
  return [...seen].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'));
}

function initialJsGzipKb(): { kb: number; files: string[] } {
  const path = new URL('.vite/manifest.json', DIST);
  if (!existsSync(path)) throw new Error('dist/.vite/manifest.json is missing: run `npx vite build` first (build.manifest is on)');
  const files = initialChunks(JSON.parse(readFileSync(path, 'utf8')) as Record<string, ManifestChunk>);
  const bytes = files.reduce((n, f) => n + gzipSync(readFileSync(new URL(f, DIST)), { level: 9 }).length, 0);
  return { kb: bytes / 1000, files };
}

async function waitForServer(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`vite preview did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function timeToInteractiveMs(): Promise<number> {
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
  const url = `http://127.0.0.1:${PORT}/`;
  try {
    await waitForServer(url, 30_000);
    const browser = await chromium.launch(browserLaunchOptions());
    try {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(url, { waitUntil: 'commit' });
        await page.locator('.react-flow__node').first().waitFor();
        await page.getByRole('navigation', { name: 'Resource palette' }).getByRole('button', { name: 'Add VM', exact: true }).waitFor();
        await page.getByRole('tab', { name: 'Trace' }).click();
        await page.waitForFunction(() => document.querySelector('[role="tab"][aria-selected="true"]')?.textContent === 'Trace');
        times.push(await page.evaluate(() => performance.now()));
        await context.close();
      }
      return Math.min(...times);
    } finally {
      await browser.close();
    }
  } finally {
    if (server.pid) process.kill(-server.pid);
  }
}

export async function benchBundle(): Promise<Figure[]> {
  const js = initialJsGzipKb();
  const tti = await timeToInteractiveMs();
  return [
    { bench: 'bundle', metric: 'initial JavaScript, gzipped', value: js.kb, unit: 'kB', budget: { limit: 400, better: 'lower' }, note: js.files.join(' + ') },
    { bench: 'bundle', metric: 'time to interactive (vite preview)', value: tti, unit: 'ms', budget: { limit: 1500, better: 'lower' }, note: 'best of 3 loads' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await benchBundle()) console.log(`${f.metric}: ${f.value.toFixed(1)} ${f.unit} (budget ${f.budget?.limit})${f.note ? `  ${f.note}` : ''}`);
}
