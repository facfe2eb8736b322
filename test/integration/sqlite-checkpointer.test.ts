import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/storage/db.js';
import { startCheckpointer } from '../../src/storage/sqlite-checkpointer.js';

/**
 * SQLite's WAL checkpoints from a worker thread (src/storage/sqlite-checkpointer.ts), as a server opens
 * its database (`backgroundCheckpoints`). SQLite only: PostgreSQL has no WAL of ours to checkpoint.
 */
describe('background WAL checkpoints (SQLite)', () => {
  let dir: string;
  let path: string;
  const opened: Db[] = [];
  const open = (background: boolean, onError?: (err: Error) => void): Db => {
    const db = openDb(`sqlite:${path}`, background ? { backgroundCheckpoints: { intervalMs: 50, ...(onError ? { onError } : {}) } } : {});
    opened.push(db);
    return db;
  };
  const pragma = (db: Db, name: string) => db.sqlite!.pragma(name, { simple: true });
  /** ~1 MB of rows in one transaction: ~250 WAL frames, far below the writer's own bound. */
  const writeMegabyte = (db: Db, from: number) => {
    const insert = db.sqlite!.prepare('insert into blobs (id, body) values (?, ?)');
    db.sqlite!.transaction(() => {
      for (let i = from; i < from + 1000; i++) insert.run(i, 'x'.repeat(1000));
    })();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantry-ckpt-'));
    path = join(dir, 'grantry.db');
  });
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file from the worker, while the writer never checkpoints', async () => {
    const db = open(true);
    expect(db.checkpointer).toBeDefined();
    // The writer's own checkpoint is only the bound on the WAL (~40 MB), truncated back to 32 MiB.
    expect(pragma(db, 'wal_autocheckpoint')).toBe(10_000);
    expect(pragma(db, 'journal_size_limit')).toBe(32 * 1024 * 1024);
    db.sqlite!.exec('create table blobs (id integer primary key, body text not null)');
    const before = statSync(path).size;
    writeMegabyte(db, 0);
    // Nothing in the writer copies the WAL (250 frames < 10,000): only the worker can grow the file.
    const deadline = Date.now() + 10_000;
    while (statSync(path).size < before + 900_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(statSync(path).size).toBeGreaterThanOrEqual(before + 900_000);
    const result = await db.checkpointer!.checkpointNow();
    expect(result.busy).toBe(0);
    expect(result.checkpointed).toBe(result.log);
  });

  it('never blocks the writer: 200 transactions interleaved with checkpoints all commit', async () => {
    const db = open(true);
    db.sqlite!.exec('create table blobs (id integer primary key, body text not null)');
    const insert = db.sqlite!.prepare('insert into blobs (id, body) values (?, ?)');
    const checkpoints: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i++) {
      db.sqlite!.transaction(() => {
        for (let j = 0; j < 20; j++) insert.run(i * 20 + j, 'y'.repeat(500));
      })();
      if (i % 10 === 0) checkpoints.push(db.checkpointer!.checkpointNow());
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(checkpoints);
    expect(pragma(db, 'wal_autocheckpoint')).toBe(10_000);
    expect((await sql<{ n: number }>`select count(*) as n from blobs`.execute(db.db)).rows[0]!.n).toBe(4000);
  });

  it('stops the worker on close, so the last connection checkpoints the whole WAL and removes it; nothing is lost', async () => {
    const db = open(true);
    db.sqlite!.exec('create table blobs (id integer primary key, body text not null)');
    writeMegabyte(db, 0);
    writeMegabyte(db, 1000);
    await db.close();
    opened.splice(opened.indexOf(db), 1);
    expect(existsSync(`${path}-wal`)).toBe(false);
    await expect(db.checkpointer!.checkpointNow()).rejects.toThrow(/stopped/);
    const again = open(false);
    expect(again.sqlite!.prepare('select count(*) as n from blobs').get()).toEqual({ n: 2000 });
  });

  it('is not started unless asked for (a CLI command), nor for an in-memory database', async () => {
    const plain = open(false);
    expect(plain.checkpointer).toBeUndefined();
    expect(pragma(plain, 'wal_autocheckpoint')).toBe(1000);
    const memory = openDb('sqlite::memory:', { backgroundCheckpoints: { intervalMs: 50 } });
    opened.push(memory);
    expect(memory.checkpointer).toBeUndefined();
  });

  it('reports a worker that cannot open its database, and says it has stopped', async () => {
    const errors: Error[] = [];
    const ckpt = startCheckpointer(join(dir, 'missing.db'), { intervalMs: 50, onError: (err) => errors.push(err) });
    const deadline = Date.now() + 10_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(errors[0]?.message).toMatch(/cannot open the database: .*(unable to open|does not exist)/i);
    expect((errors[0] as Error & { code?: string }).code).toBe('SQLITE_CANTOPEN');
    await ckpt.stop();
    await expect(ckpt.checkpointNow()).rejects.toThrow(/stopped/);
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
  });
});
