/**
 * The gallery: every `scenarios/*.json` of the repository, loaded on demand (the files stay out
 * of the initial bundle). Each goes through `restoreScenario` like any other document.
 */
import { restoreScenario } from '../../engine/model/restore.ts';
import type { Scenario } from '../../engine/model/scenario.ts';

const files = import.meta.glob<unknown>('../../scenarios/*.json', { import: 'default' });

export const DEFAULT_SCENARIO = 'outbound-ilpip-vs-standard-lb';

export interface GalleryEntry {
  readonly slug: string;
  readonly title: string;
  readonly description: string;
  readonly scenario: Scenario | null;
  readonly error?: string;
}

const slugOf = (path: string) => path.replace(/^.*\//, '').replace(/\.json$/, '');

export function gallerySlugs(): string[] {
  return Object.keys(files).map(slugOf).sort();
}

export async function loadGalleryEntry(slug: string): Promise<GalleryEntry> {
  const path = Object.keys(files).find((p) => slugOf(p) === slug);
  const load = path ? files[path] : undefined;
  if (!load) return { slug, title: slug, description: '', scenario: null, error: 'no such scenario' };
  const r = restoreScenario(await load());
  if (!r.ok) return { slug, title: slug, description: '', scenario: null, error: r.issues[0]?.message ?? 'invalid' };
  return { slug, title: r.scenario.name, description: r.scenario.description, scenario: r.scenario };
}

export async function loadGallery(): Promise<GalleryEntry[]> {
  return Promise.all(gallerySlugs().map(loadGalleryEntry));
}
