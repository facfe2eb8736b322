import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The console: served by Grantry at /console/ from dist/console/ (docs/console.md). `npm run build`
 * runs this after tsc. `npx vite --config web/vite.config.ts` serves it with hot reload on :5173 and
 * passes everything else to a Grantry on :4000 started with GRANTRY_ISSUER=http://localhost:5173 (the
 * console's redirect URI follows the issuer, and the browser must see one origin).
 */
export default defineConfig({
  root: here('.'),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: here('../dist/console'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(['/api', '/oauth', '/login', '/logout', '/account', '/setup', '/assets/grantry.css', '/.well-known'].map((p) => [p, 'http://localhost:4000'])),
  },
});
