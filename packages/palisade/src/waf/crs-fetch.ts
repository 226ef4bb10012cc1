/**
 * Fetching an OWASP CRS release: download the release archive, check its SHA-256 against a
 * checksum (given, or fetched from `<archive>.sha256` beside it), and extract it. The tar reader is
 * deliberately small: regular files and directories only (links and devices are skipped), no
 * absolute paths or `..`, bounded size and entry count.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const CRS_DEFAULT_BASE_URL = 'https://github.com/coreruleset/coreruleset/releases/download';

export const CRS_FETCH_LIMITS = {
  /** Compressed archive. A CRS release is ~0.5 MB. */
  maxArchiveBytes: 50 * 1024 * 1024,
  /** Uncompressed. */
  maxExtractedBytes: 200 * 1024 * 1024,
  maxEntries: 20_000,
} as const;

export interface CrsFetchOptions {
  /** `4.28.0`. */
  readonly version: string;
  /** Folder to extract into (created). */
  readonly dest: string;
  /** Release download base; the archive is `<base>/v<version>/coreruleset-<version>-minimal.tar.gz`. */
  readonly baseUrl?: string;
  /** Expected SHA-256 (hex). Without it, `<archive URL>.sha256` is fetched. */
  readonly sha256?: string;
}

export interface CrsFetchResult {
  readonly url: string;
  readonly sha256: string;
  readonly files: number;
  readonly dest: string;
}

export class CrsFetchError extends Error {
  override readonly name = 'CrsFetchError';
}

export async function fetchCrs(o: CrsFetchOptions): Promise<CrsFetchResult> {
  if (!/^\d+\.\d+\.\d+$/.test(o.version)) throw new CrsFetchError(`--version must look like 4.28.0, got "${o.version}"`);
  const base = (o.baseUrl ?? CRS_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const url = `${base}/v${o.version}/coreruleset-${o.version}-minimal.tar.gz`;
  const archive = await download(url, CRS_FETCH_LIMITS.maxArchiveBytes);
  let expected = o.sha256?.trim().toLowerCase();
  if (expected === undefined) {
    const text = (await download(`${url}.sha256`, 4096)).toString('utf8');
    expected = text.trim().split(/\s+/)[0]?.toLowerCase();
  }
  if (!expected || !/^[0-9a-f]{64}$/.test(expected)) throw new CrsFetchError(`the checksum for ${url} is not a SHA-256 hex digest`);
  const actual = createHash('sha256').update(archive).digest('hex');
  if (actual !== expected) throw new CrsFetchError(`SHA-256 mismatch for ${url}: expected ${expected}, got ${actual}; nothing was extracted`);
  const files = extractTarGz(archive, o.dest);
  return { url, sha256: actual, files, dest: resolve(o.dest) };
}

async function download(url: string, max: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    throw new CrsFetchError(`cannot download ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new CrsFetchError(`cannot download ${url}: HTTP ${res.status}`);
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const c of res.body as AsyncIterable<Uint8Array>) {
      size += c.length;
      if (size > max) throw new CrsFetchError(`${url} is larger than ${max} bytes`);
      chunks.push(Buffer.from(c));
    }
  }
  return Buffer.concat(chunks);
}

/**
 * Extracts a .tar.gz, dropping the archive's top folder (`coreruleset-4.28.0/rules/…` → `rules/…`).
 * Returns the number of files written.
 */
export function extractTarGz(gz: Buffer, dest: string): number {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: CRS_FETCH_LIMITS.maxExtractedBytes });
  } catch (e) {
    throw new CrsFetchError(`the archive is not a valid .tar.gz (or expands past ${CRS_FETCH_LIMITS.maxExtractedBytes} bytes): ${(e as Error).message}`);
  }
  const root = resolve(dest);
  mkdirSync(root, { recursive: true });
  let off = 0;
  let files = 0;
  let entries = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    if (++entries > CRS_FETCH_LIMITS.maxEntries) throw new CrsFetchError(`more than ${CRS_FETCH_LIMITS.maxEntries} entries in the archive`);
    const str = (a: number, n: number) => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new CrsFetchError(`bad size field in the tar entry at offset ${off}`);
    const type = String.fromCharCode(h[156] ?? 0);
    const prefix = str(345, 155);
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = undefined;
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x' || type === 'L') {
      const text = data.toString('utf8');
      const m = type === 'L' ? [text.replace(/\0.*$/s, '')] : /\d+ path=([^\n]*)\n/.exec(text)?.slice(1);
      if (m?.[0]) longName = m[0];
      continue;
    }
    if (type === 'g') continue;
    // Drop the top folder.
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    parts.shift();
    name = parts.join('/');
    if (name === '') continue;
    if (parts.includes('..') || name.startsWith('/')) throw new CrsFetchError(`unsafe path in the archive: ${name}`);
    const target = normalize(join(root, name));
    if (!target.startsWith(root + sep)) throw new CrsFetchError(`unsafe path in the archive: ${name}`);
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0' || type === '\0' || type === '7') {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
      files++;
    }
    // Symbolic and hard links, devices, FIFOs: skipped (a rule set needs none).
  }
  return files;
}
