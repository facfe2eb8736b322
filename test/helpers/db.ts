import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDb, type Db, type Dialect } from '../../src/storage/db.js';

export const pgUrl = (): string | null => inject('pgUrl');

/** The dialects to run integration suites on: SQLite always, PostgreSQL when reachable. */
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export const skipDialect = (dialect: Dialect): boolean => dialect === 'postgres' && pgUrl() === null;

export interface TestDatabase {
  url: string;
  open(): Db;
  drop(): Promise<void>;
}

/**
 * A database of the suite's own: a fresh SQLite file in a temp dir (so several processes can share
 * it), or a fresh PostgreSQL schema selected with search_path in the URL.
 */
export async function createTestDatabase(dialect: Dialect, dir?: string): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const folder = dir ?? mkdtempSync(join(tmpdir(), 'grantry-test-'));
    const url = `sqlite:${join(folder, 'grantry.db')}`;
    return { url, open: () => openDb(url), drop: async () => rmSync(folder, { recursive: true, force: true }) };
  }
  const base = pgUrl();
  if (!base) throw new Error('PostgreSQL is not available');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const sep = base.includes('?') ? '&' : '?';
  const url = `${base}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    open: () => openDb(url, { poolSize: 20 }),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}
