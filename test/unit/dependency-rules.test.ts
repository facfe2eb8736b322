import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/**
 * `npm test` runs `npm run lint:deps` over src/. That check is only worth something if its rules
 * catch what they name, so each rule is run here against a small tree that breaks it.
 */
describe('dependency rules (.dependency-cruiser.cjs)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function cruise(files: Record<string, string>): Promise<{ ok: boolean; rules: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'grantry-deps-'));
    dirs.push(dir);
    const all: Record<string, string> = { 'tsconfig.build.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' }, include: ['src'] }), ...files };
    for (const [path, text] of Object.entries(all)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    try {
      await run(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'err'], { cwd: dir });
      return { ok: true, rules: [] };
    } catch (err) {
      const out = String((err as { stdout?: string }).stdout ?? '');
      return { ok: false, rules: [...out.matchAll(/error ([a-z-]+):/g)].map((m) => m[1]!) };
    }
  }

  it('passes a tree that keeps the doors', async () => {
    const r = await cruise({
      'src/domain/a.ts': 'export const a = 1;\n',
      'src/protocol/p.ts': "import { a } from '../domain/a.js';\nexport const p = a;\n",
      'src/admin/x.ts': "import { p } from '../protocol/p.js';\nexport const x = p;\n",
    });
    expect(r).toEqual({ ok: true, rules: [] });
  });

  it.each(['protocol', 'grants', 'storage'])('refuses %s/ importing admin/ or http/ (a type-only import too)', async (room) => {
    const r = await cruise({
      'src/admin/problem.ts': 'export class AdminError extends Error {}\n',
      'src/http/errors.ts': 'export type Reply = { status: number };\n',
      [`src/${room}/x.ts`]: "import { AdminError } from '../admin/problem.js';\nimport type { Reply } from '../http/errors.js';\nexport const r: Reply | null = null;\nexport const e = AdminError;\n",
    });
    expect(r.ok).toBe(false);
    expect(r.rules.filter((n) => n === 'core-not-into-edges')).toHaveLength(2);
  });

  it('refuses webhooks/ importing the runtime', async () => {
    const r = await cruise({
      'src/runtime.ts': 'export interface Runtime { a: number }\n',
      'src/webhooks/worker.ts': "import type { Runtime } from '../runtime.js';\nexport const w: Runtime | null = null;\n",
    });
    expect(r.rules).toEqual(['webhooks-not-into-runtime']);
  });

  it('refuses an import cycle anywhere, even through type-only imports', async () => {
    const r = await cruise({
      'src/storage/ports.ts': "import type { B } from './ports-b.js';\nexport interface A { b: B }\n",
      'src/storage/ports-b.ts': "import type { A } from './ports.js';\nexport interface B { a?: A }\n",
    });
    expect(r.ok).toBe(false);
    expect(new Set(r.rules)).toEqual(new Set(['no-circular']));
  });

  it('refuses grantry/partner or grantry/verify loading the server', async () => {
    const r = await cruise({
      'src/storage/db.ts': 'export const openDb = () => null;\n',
      'src/partner/store.ts': "import { openDb } from '../storage/db.js';\nexport const s = openDb;\n",
    });
    expect(r.rules).toEqual(['partner-and-verify-stand-alone']);
  });
});
