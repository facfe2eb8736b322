import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The console's files, built by `vite build` into dist/console/ of the package. Both src/http and
 * dist/http sit two levels below the package root, so one relative path serves tests and production.
 */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

/**
 * The single-page application talks only to this origin (the management API and the OAuth endpoints);
 * Mantine sets CSS variables through a style element, hence 'unsafe-inline' for styles only. Scripts
 * are the bundle's files and nothing else; the console cannot be framed (clickjacking on its buttons).
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' https: data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Not part of the management API's OpenAPI document. */
const HIDDEN = { schema: { hide: true } };

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONSOLE_CSP);
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

/**
 * `/console/`: the built files, with index.html for every client-side route (the router runs in the
 * browser). Hashed assets are immutable; index.html is revalidated so a new release is picked up.
 */
export async function consoleRoutes(app: FastifyInstance, dir = CONSOLE_DIR): Promise<void> {
  app.get('/console', HIDDEN, (_req, reply) => reply.redirect('/console/', 301));
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/console/*', HIDDEN, (_req, reply) => {
      securityHeaders(reply);
      reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send('The console is not built. Run `npm run build` (npm ci does it too) and restart Grantry.\n');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    wildcard: false,
    index: false,
    // Ours below: @fastify/static's default (max-age=0) would neither cache assets nor say no-cache.
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader('content-security-policy', CONSOLE_CSP);
      res.setHeader('referrer-policy', 'no-referrer');
      res.setHeader('x-frame-options', 'DENY');
      res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const index = (reply: FastifyReply) => {
    securityHeaders(reply);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  app.get('/console/', HIDDEN, (_req, reply) => index(reply));
  app.get('/console/*', HIDDEN, (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    // A file name (with an extension) that was not found above is a missing asset, not a route: a
    // 404, so a stale bundle fails loudly instead of loading index.html as JavaScript.
    if (/\.[a-z0-9]+$/i.test(path)) {
      securityHeaders(reply);
      return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    }
    return index(reply);
  });
}
