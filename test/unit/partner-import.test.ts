import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePartnerBuilt, ROOT } from '../helpers/partner-build.js';

interface Probe {
  importMs: number;
  afterImport: string[];
  afterUse: string[] | null;
}

const probe = (target: string, env: Record<string, string> = {}): Probe =>
  JSON.parse(execFileSync(process.execPath, [join(ROOT, 'test/helpers/partner-import-probe.mjs'), target], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' }).trim().split('\n').pop()!) as Probe;

/** A package of node_modules among the loaded URLs (any depth, so a nested copy counts too). */
const loads = (urls: string[], pkg: string): boolean => urls.some((u) => u.includes(`/node_modules/${pkg}/`));
const SERVER_ROOMS = ['fastify', 'kysely', 'better-sqlite3', 'pg', 'pino', 'jose', '@fastify/static', 'commander'];

/**
 * DESIGN, "The next layer": grantry/partner imports nothing of the server's rooms, and its stores load
 * their driver only when used. Checked the way a partner's service meets it: the built package,
 * imported in a fresh node process.
 */
describe('importing grantry/partner', () => {
  let target: string;
  beforeAll(async () => {
    target = pathToFileURL(await ensurePartnerBuilt()).href;
  });

  it('loads nothing of the server (no Fastify, Kysely, pino) and no database driver', () => {
    const p = probe(target);
    const own = p.afterImport.filter((u) => u.startsWith('file:') && !u.includes('/node_modules/'));
    for (const pkg of SERVER_ROOMS) expect(loads(p.afterImport, pkg), pkg).toBe(false);
    // Of Grantry itself, only the kit's own files.
    expect(own.filter((u) => !u.includes('/dist/partner/') && !u.includes('/test/helpers/'))).toEqual([]);
    expect(loads(p.afterImport, 'standardwebhooks')).toBe(true);
    const packages = new Set(p.afterImport.filter((u) => u.includes('/node_modules/')).map((u) => u.split('/node_modules/').pop()!.split('/')[0]));
    console.log(`grantry/partner import: ${p.importMs.toFixed(1)} ms in a fresh process, ${own.length} own modules, packages: ${[...packages].sort().join(', ')}`);
  });

  it('loads better-sqlite3 when a SQLite store is first used (the check sees a driver when there is one)', () => {
    const p = probe(target, { PARTNER_PROBE_USE: 'sqlite' });
    expect(loads(p.afterImport, 'better-sqlite3')).toBe(false);
    expect(loads(p.afterUse!, 'better-sqlite3')).toBe(true);
    expect(loads(p.afterUse!, 'pg')).toBe(false);
  });
});
