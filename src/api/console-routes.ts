import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The media types of the console's files; any other file in the folder is not served. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page may only talk to its own origin; recordings play from `blob:` URLs because an
 * `<audio src>` cannot send the Authorization header the REST API needs.
 */
const CSP = "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * The web console (issue 10, point 1): the page, its ES modules and its stylesheet, served as
 * they are from `console/` at the package root (no build step), and `docs/errors.md`, which
 * the page renders so a notification's code links to its row. The files are public, like any
 * web app's code; everything the page shows comes from the REST API, `/sim/v1` and the
 * `/console/v1` feed, each with the account's Basic credentials.
 */
export function registerConsoleRoutes(app: FastifyInstance, root = packageRoot()): void {
  const files = new Map<string, { type: string; body: Buffer }>();
  const consoleDir = join(root, 'console');
  if (existsSync(consoleDir)) {
    // Read once at start: a fixed set of names, so no request path ever reaches the file system.
    for (const name of readdirSync(consoleDir)) {
      const type = TYPES[extname(name)];
      if (type) files.set(name, { type, body: readFileSync(join(consoleDir, name)) });
    }
  }
  const errorsDoc = join(root, 'docs', 'errors.md');
  if (existsSync(errorsDoc)) files.set('docs/errors.md', { type: 'text/markdown; charset=utf-8', body: readFileSync(errorsDoc) });

  const serve = (name: string) => async (_request: unknown, reply: FastifyReply) => {
    const file = files.get(name)!;
    return reply
      .type(file.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP)
      .send(file.body);
  };
  if (!files.has('index.html')) return;
  app.get('/console', async (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console/', serve('index.html'));
  for (const name of files.keys()) app.get(`/console/${name}`, serve(name));
}

/** The folder holding `console/`: two levels above this file in `src/api/`, three in `dist/src/api/`. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'console', 'index.html'))) return dir;
    dir = dirname(dir);
  }
  return dir;
}
