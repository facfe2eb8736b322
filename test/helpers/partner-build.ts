/**
 * The partner kit as a package user gets it: dist/partner (tsconfig.partner.json). Child processes
 * and the import-cost check load it from there. `npm test` builds first; when dist/partner is missing
 * or older than src/partner, this compiles just the kit (a few seconds), one test file at a time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PARTNER_DIST = join(ROOT, 'dist/partner/index.js');

const newest = (dir: string, ext: string): number => {
  if (!existsSync(dir)) return 0;
  return Math.max(0, ...readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => statSync(join(dir, f)).mtimeMs));
};

const stale = (): boolean => !existsSync(PARTNER_DIST) || newest(join(ROOT, 'src/partner'), '.ts') > newest(join(ROOT, 'dist/partner'), '.js');

export async function ensurePartnerBuilt(): Promise<string> {
  if (!stale()) return PARTNER_DIST;
  const lock = join(ROOT, 'dist/.partner-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is older than any real build.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('waited too long for another build of dist/partner');
      await new Promise((r) => setTimeout(r, 200));
      if (!stale()) return PARTNER_DIST;
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.partner.json')], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return PARTNER_DIST;
}
