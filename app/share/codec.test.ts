import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { galleryScenario } from '../test/fixtures.ts';
import { decodeScenario, encodeScenario, fromBase64Url, inflateCapped, MAX_ENCODED_CHARS, scenarioFromHash, shareUrl, toBase64Url } from './codec.ts';

describe('share codec', () => {
  it('round-trips a scenario through the URL hash', () => {
    const doc = galleryScenario();
    const url = shareUrl(doc, 'http://x/#old');
    expect(url.startsWith('http://x/#s=')).toBe(true);
    const r = decodeScenario(scenarioFromHash(url.slice(url.indexOf('#')))!);
    expect(r.ok && r.scenario).toEqual(doc);
  });

  it('keeps hostile names as plain text', () => {
    const doc = { ...galleryScenario(), name: '<img src=x onerror=alert(1)>' };
    const r = decodeScenario(encodeScenario(doc));
    expect(r.ok && r.scenario.name).toBe('<img src=x onerror=alert(1)>');
  });

  it('refuses a truncated link', () => {
    const enc = encodeScenario(galleryScenario());
    const r = decodeScenario(enc.slice(0, Math.floor(enc.length / 2)));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/truncated|damaged/);
  });

  it('refuses text that is not base64url', () => {
    const r = decodeScenario('!!!not base64!!!');
    expect(!r.ok && r.error).toMatch(/not base64url/);
  });

  it('refuses an empty or too long link', () => {
    expect(decodeScenario('').ok).toBe(false);
    const r = decodeScenario('A'.repeat(MAX_ENCODED_CHARS + 1));
    expect(!r.ok && r.error).toMatch(/too long/);
  });

  it('stops a decompression bomb at the cap, quickly', () => {
    const bomb = toBase64Url(deflateSync(new Uint8Array(64 * 1024 * 1024), { level: 9 }));
    const t0 = performance.now();
    const r = decodeScenario(bomb);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(!r.ok && r.error).toMatch(/more than 2 MB/);
  });

  it('names the problem and where for valid JSON that is not a valid scenario', () => {
    const bad = toBase64Url(deflateSync(strToU8(JSON.stringify({ netplay: 1, name: 'x', resources: [{ id: 'v', kind: 'vnet', name: 'v', addressSpace: ['nope'] }] }))));
    const r = decodeScenario(bad);
    expect(!r.ok && r.error).toMatch(/v\.addressSpace\[0\]/);
  });

  it('refuses content that is not UTF-8 or not JSON', () => {
    expect(decodeScenario(toBase64Url(deflateSync(new Uint8Array([0xff, 0xfe, 0xfd])))).ok).toBe(false);
    const r = decodeScenario(toBase64Url(deflateSync(strToU8('{"netplay":'))));
    expect(!r.ok && r.error).toMatch(/not JSON/);
  });

  it('inflates within the cap and base64url round-trips', () => {
    const data = strToU8('hello '.repeat(1000));
    const r = inflateCapped(deflateSync(data));
    expect(r.ok && r.bytes.length).toBe(data.length);
    expect(fromBase64Url(toBase64Url(data))).toEqual(data);
    expect(scenarioFromHash('#x=1')).toBeNull();
  });
});
