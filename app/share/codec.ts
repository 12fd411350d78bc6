/**
 * Scenario <-> URL: `#s=` + base64url(deflate(JSON)). Decoding is defensive because a link can
 * come from anyone: the encoded text and the inflated bytes are both capped (a decompression bomb
 * stops at the cap instead of filling memory), and the result goes through `restoreScenario` like
 * every other document. Nothing here touches the current document; callers decide.
 */
import { Inflate, deflateSync, strToU8 } from 'fflate';
import { formatIssue } from '../../engine/model/issues.ts';
import { restoreScenario } from '../../engine/model/restore.ts';
import type { Scenario } from '../../engine/model/scenario.ts';

export const HASH_PREFIX = '#s=';
/** Longest encoded link text accepted (about 1.5 MB of compressed bytes). */
export const MAX_ENCODED_CHARS = 2_000_000;
/** Inflation stops past this many bytes. */
export const MAX_INFLATED_BYTES = 2 * 1024 * 1024;

export type DecodeResult = { ok: true; scenario: Scenario } | { ok: false; error: string };

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export function encodeScenario(doc: Scenario): string {
  return toBase64Url(deflateSync(strToU8(JSON.stringify(doc)), { level: 9 }));
}

export function shareUrl(doc: Scenario, base: string): string {
  return `${base.split('#')[0]}${HASH_PREFIX}${encodeScenario(doc)}`;
}

class TooLarge extends Error {}

/**
 * Inflates in small slices so that no single step can produce more than about a megabyte (deflate
 * expands at most ~1032:1), and stops as soon as the total passes `limit`.
 */
export function inflateCapped(data: Uint8Array, limit = MAX_INFLATED_BYTES): { ok: true; bytes: Uint8Array } | { ok: false; error: string } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw new TooLarge();
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    const SLICE = 512;
    for (let i = 0; i < data.length; i += SLICE) inflater.push(data.subarray(i, i + SLICE), i + SLICE >= data.length);
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof TooLarge) return { ok: false, error: `the link inflates to more than ${limit / 1024 / 1024} MB; netplay refuses it` };
    return { ok: false, error: `the link is damaged: it does not decompress (${(e as Error).message || 'invalid data'})` };
  }
  if (!ended) return { ok: false, error: 'the link is truncated: the compressed data ends early' };
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { ok: true, bytes: out };
}

/** Decodes the text after `#s=`. */
export function decodeScenario(encoded: string): DecodeResult {
  if (encoded.length === 0) return { ok: false, error: 'the link holds no scenario (nothing after #s=)' };
  if (encoded.length > MAX_ENCODED_CHARS) return { ok: false, error: `the link is too long (${encoded.length} characters; the limit is ${MAX_ENCODED_CHARS})` };
  const bytes = fromBase64Url(encoded);
  if (!bytes) return { ok: false, error: 'the link is damaged: it is not base64url text' };
  const inflated = inflateCapped(bytes);
  if (!inflated.ok) return inflated;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes);
  } catch {
    return { ok: false, error: 'the link is damaged: its content is not UTF-8 text' };
  }
  return restoreText(text, 'the link');
}

/** Parses and restores a document from text; errors name the problem and where. */
export function restoreText(text: string, source: string): DecodeResult {
  const r = restoreScenario(text);
  if (r.ok) return { ok: true, scenario: r.scenario };
  const shown = r.issues.filter((i) => i.severity === 'error').slice(0, 3).map(formatIssue);
  const more = r.issues.length > 3 ? ` (and ${r.issues.length - 3} more)` : '';
  return { ok: false, error: `${source} is not a valid scenario: ${shown.join('; ')}${more}` };
}

/** The encoded scenario in a location hash, or null when the hash holds none. */
export function scenarioFromHash(hash: string): string | null {
  return hash.startsWith(HASH_PREFIX) ? hash.slice(HASH_PREFIX.length) : null;
}

