// Serves the built web UI (packages/console → packages/palisade/console-web/) under /console/:
// hashed assets with a year-long cache, everything else revalidated, unknown paths without a file
// extension answered with index.html (the single-page app routes them), and a plain page saying
// how to build the UI when the folder is missing.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send, sendProblem } from './http.js';

/** dist/console/static.js → packages/palisade/console-web/ */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../console-web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Palisade console not built</title></head>
<body><main><h1>The Palisade console is not built</h1>
<p>The console's web files were not found. From the Palisade repository, run:</p>
<pre>npm run build</pre>
<p>then reload this page. The console's JSON API answers under <code>/console/api/</code> meanwhile.</p>
</main></body></html>
`;

export class StaticFiles {
  private readonly root: string;

  constructor(root: string = DEFAULT_WEB_ROOT) {
    this.root = resolve(root);
  }

  /** `rel` is the path after /console/ (already without the prefix), URL-encoded. */
  async serve(req: IncomingMessage, res: ServerResponse, rel: string): Promise<void> {
    const head = req.method === 'HEAD';
    let decoded: string;
    try {
      decoded = decodeURIComponent(rel);
    } catch {
      return sendProblem(res, 400, 'bad-request', 'Malformed path.');
    }
    if (decoded.includes('\0')) return sendProblem(res, 400, 'bad-request', 'Malformed path.');
    const file = resolve(this.root, '.' + sep + decoded);
    if (file !== this.root && !file.startsWith(this.root + sep)) return sendProblem(res, 404, 'not-found');

    const found = await this.read(file);
    if (found) {
      const hashed = decoded.startsWith('assets/');
      return this.answer(res, 200, found, extname(file), hashed ? 'public, max-age=31536000, immutable' : 'no-cache', head);
    }
    // A missing file with an extension is a missing asset; anything else is a route of the app.
    if (extname(decoded) !== '' && extname(decoded) !== '.html') return sendProblem(res, 404, 'not-found', 'No such file.');
    const index = await this.read(resolve(this.root, 'index.html'));
    if (!index) {
      res.setHeader('cache-control', 'no-store');
      return send(res, 503, head ? '' : MISSING_PAGE, 'text/html; charset=utf-8');
    }
    return this.answer(res, 200, index, '.html', 'no-cache', head);
  }

  private async read(file: string): Promise<Buffer | undefined> {
    try {
      const s = await stat(file);
      if (!s.isFile()) return undefined;
      return await readFile(file);
    } catch {
      return undefined;
    }
  }

  private answer(res: ServerResponse, status: number, body: Buffer, ext: string, cache: string, head: boolean): void {
    res.setHeader('cache-control', cache);
    res.writeHead(status, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'content-length': body.length });
    res.end(head ? undefined : body);
  }
}
