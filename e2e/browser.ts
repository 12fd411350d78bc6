/**
 * Which Chromium the tests drive: Playwright's own build where the machine has it, otherwise
 * Debian's /usr/bin/chromium (CI and machines that cannot download browsers).
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export function browserLaunchOptions(): { executablePath?: string; args: string[] } {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
  let own: string | undefined;
  try {
    own = chromium.executablePath();
  } catch {
    own = undefined;
  }
  if (process.env.NETPLAY_CHROMIUM) return { executablePath: process.env.NETPLAY_CHROMIUM, args };
  if (own && existsSync(own)) return { args };
  if (existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, args };
  return { args };
}
