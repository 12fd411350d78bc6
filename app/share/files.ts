/** Import and export of scenario files (JSON). Imports go through `restoreScenario`. */
import type { Scenario } from '../../engine/model/scenario.ts';
import { restoreText, type DecodeResult } from './codec.ts';

/** Files larger than this are refused before they are read. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export async function readScenarioFile(file: File): Promise<DecodeResult> {
  const source = `file '${file.name}'`;
  if (file.size > MAX_FILE_BYTES) return { ok: false, error: `${source} is ${file.size} bytes; netplay reads scenarios up to ${MAX_FILE_BYTES} bytes` };
  const text = await file.text();
  return restoreText(text, source);
}

export function fileNameFor(doc: Scenario): string {
  const slug = doc.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  return `${slug || 'scenario'}.netplay.json`;
}

export function downloadText(text: string, name: string, type: string): void {
  downloadBlob(new Blob([text], { type }), name);
}

export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  downloadUrl(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadUrl(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function exportScenario(doc: Scenario): void {
  downloadText(`${JSON.stringify(doc, null, 2)}\n`, fileNameFor(doc), 'application/json');
}
