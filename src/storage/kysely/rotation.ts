import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Database, RefreshFamiliesTable } from '../schema.js';
import type { Db, Dialect } from '../db.js';
import type { Rotation } from '../ports-installations.js';

/*
 * The refresh hot path: the lookup and the rotation, in SQL written once per dialect instead of
 * built per call. Building and compiling a Kysely query cost more than SQLite takes to run it: before
 * this file, ~0.8 ms of JavaScript per rotation went to Kysely's builder and compiler for six queries
 * and a transaction (docs/performance.md). The statements are bound with positional parameters and
 * sent through Kysely's executor (transactions, the statement cache and error handling as everywhere
 * else), except SQLite's group commit below, which runs them on the native handle under Kysely's
 * connection lock, and PostgreSQL's named statements below. The columns are those of migrations 0002
 * and 0007; the refresh tests (refresh-rotate-store, refresh-installations) run every statement on
 * both dialects.
 */

/** `?` placeholders as PostgreSQL's `$n` (none of these statements has a `?` anywhere else). */
const numbered = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};
const forDialect = (text: string) => ({ sqlite: text, postgres: numbered(text) });

export type LookupRow = Selectable<RefreshFamiliesTable> & {
  t_generation: number;
  t_created_at: number;
  t_expires_at: number | null;
  t_spent_at: number | null;
  t_successor_sealed: string | null;
  t_successor_until: number | null;
  i_status: string | null;
  i_scopes: string | null;
};

// The family's columns are named rather than `f.*`: a prepared statement whose result columns change
// (a migration adding a column, run by another process) fails on PostgreSQL with "cached plan must
// not change result type".
const LOOKUP = forDialect(
  `select f.id, f.installation_id, f.application_id, f.subject, f.scopes, f.policy, f.credentials_version, f.generation,
     f.status, f.revoked_at, f.revoked_reason, f.last_access_jti, f.last_access_exp, f.absolute_expires_at, f.created_at,
     f.last_used_at, f.origin, t.generation as t_generation, t.created_at as t_created_at, t.expires_at as t_expires_at,
     t.spent_at as t_spent_at, t.successor_sealed as t_successor_sealed, t.successor_until as t_successor_until,
     i.status as i_status, i.scopes as i_scopes
   from refresh_tokens t
   join refresh_families f on f.id = t.family_id
   left join installations i on i.id = f.installation_id
   where t.hash = ?`,
);

export type LookupFn = (hash: string) => Promise<LookupRow | undefined>;

/**
 * The handles behind a runtime's Kysely instance, for the hot path: SQLite's native connection (the
 * one Kysely uses) and PostgreSQL's pool.
 */
export type NativeHandles = Pick<Db, 'sqlite' | 'pgPool'>;

/**
 * Statements the PostgreSQL hot path sends by name. Kysely sends every query unnamed, so PostgreSQL
 * parses, analyses and plans it on every execution; for these statements that was ~80 % of the
 * server's work per rotation (measured: ~850 µs of backend CPU per lookup plus rotation unnamed,
 * ~160 µs named). node-postgres prepares a named statement once per connection and then only binds
 * and executes it. Behind a transaction-mode PgBouncer older than 1.21 named statements do not work
 * (docs/operations.md).
 */
const PG_NAMED = { lookup: 'grantry_refresh_lookup', rotate: 'grantry_refresh_rotate' } as const;

/**
 * A token with its family and installation, by the token's hash: one indexed query. Outside a
 * transaction it bypasses Kysely: on PostgreSQL as a named statement on the pool; on SQLite
 * synchronously on the native connection whenever no transaction is open on it (better-sqlite3 runs
 * a statement to its end, so the read cannot interleave with anything; while another request's
 * transaction is open the read waits its turn through Kysely, and never sees uncommitted rows).
 */
export function lookup(db: Kysely<Database>, dialect: Dialect, inTransaction: boolean, native: NativeHandles = {}): LookupFn {
  const viaKysely: LookupFn = async (hash) => (await db.executeQuery<LookupRow>(CompiledQuery.raw(LOOKUP[dialect], [hash]))).rows[0];
  if (inTransaction) return viaKysely;
  const { pgPool, sqlite } = native;
  if (dialect === 'postgres' && pgPool) {
    return async (hash) => (await pgPool.query<LookupRow>({ name: PG_NAMED.lookup, text: LOOKUP.postgres, values: [hash] })).rows[0];
  }
  if (dialect === 'sqlite' && sqlite) {
    const stmt = sqlite.prepare(LOOKUP.sqlite);
    return (hash) => (sqlite.inTransaction ? viaKysely(hash) : Promise.resolve(stmt.get(hash) as LookupRow | undefined));
  }
  return viaKysely;
}

// The compare-and-swap: the WHERE on generation makes concurrent rotations of one family serialise on
// its row; on PostgreSQL a waiting UPDATE re-checks the predicate after the winner commits and
// matches nothing. It also requires the presented token to be this family's unspent token of that
// generation, so the spend that follows always matches exactly one row.
const ADVANCE = `update refresh_families set generation = generation + 1, last_access_jti = ?, last_access_exp = ?, last_used_at = ?
  where id = ? and generation = ? and status = 'active'
  and exists (select 1 from refresh_tokens t where t.hash = ? and t.family_id = refresh_families.id and t.generation = refresh_families.generation and t.spent_at is null)`;
const SPEND = `update refresh_tokens set spent_at = ?, successor_sealed = ?, successor_until = ? where hash = ? and spent_at is null`;
const INSERT_NEXT = `insert into refresh_tokens (hash, family_id, generation, created_at, expires_at, spent_at, successor_sealed, successor_until)
  values (?, ?, ?, ?, ?, null, null, null)`;

/*
 * PostgreSQL: the same three writes as one statement of data-modifying CTEs, so a rotation is one
 * round trip and one implicit transaction. The spend and the insert select from `adv`, so when the
 * CAS matches nothing (a concurrent rotation won), nothing is written at all. The casts are needed
 * only where a parameter is a select-list value, whose type PostgreSQL cannot infer from a column.
 */
const ROTATE_PG = numbered(`with adv as (${ADVANCE} returning id),
  spent as (${SPEND} and exists (select 1 from adv) returning hash),
  nxt as (
    insert into refresh_tokens (hash, family_id, generation, created_at, expires_at, spent_at, successor_sealed, successor_until)
    select ?::text, ?::text, ?::integer, ?::bigint, ?::bigint, null, null, null from adv
    returning hash)
  select count(*) as advanced from adv`);

const params = (r: Rotation) => ({
  advance: [r.access.jti, r.access.expiresAt, r.at, r.familyId, r.generation, r.spent.hash],
  spend: [r.at, r.spent.successor?.sealed ?? null, r.spent.successor?.until ?? null, r.spent.hash],
  next: [r.next.hash, r.familyId, r.generation + 1, r.at, r.next.expiresAt],
});

/** Writes one rotation through Kysely's executor (`q` is a transaction's). */
async function rotateWith(q: Kysely<Database>, r: Rotation): Promise<boolean> {
  const p = params(r);
  const advanced = await q.executeQuery(CompiledQuery.raw(ADVANCE, p.advance));
  // Nothing else is written when the CAS lost.
  if (Number(advanced.numAffectedRows) !== 1) return false;
  await q.executeQuery(CompiledQuery.raw(SPEND, p.spend));
  await q.executeQuery(CompiledQuery.raw(INSERT_NEXT, p.next));
  return true;
}

/** Writes one rotation on PostgreSQL: one statement, atomic by itself or part of `db`'s transaction. */
async function rotatePostgres(db: Kysely<Database>, r: Rotation): Promise<boolean> {
  const p = params(r);
  const res = await db.executeQuery<{ advanced: number | string }>(CompiledQuery.raw(ROTATE_PG, [...p.advance, ...p.spend, ...p.next]));
  return Number(res.rows[0]?.advanced) === 1;
}

/** The same statement, by name on the pool (outside a transaction: it is atomic by itself). */
async function rotatePostgresNamed(pool: pg.Pool, r: Rotation): Promise<boolean> {
  const p = params(r);
  const res = await pool.query<{ advanced: number | string }>({ name: PG_NAMED.rotate, text: ROTATE_PG, values: [...p.advance, ...p.spend, ...p.next] });
  return Number(res.rows[0]?.advanced) === 1;
}

export type RotateFn = (r: Rotation) => Promise<boolean>;

/**
 * RefreshStore.rotate. Inside a transaction (`inTransaction`: `db` is a transaction's) the statements
 * join it. Outside one: a single statement on PostgreSQL (by name when the pool is given); on SQLite
 * the group commit below when the native handle is given (the root stores of a runtime), otherwise a
 * transaction of its own.
 */
export function rotator(db: Kysely<Database>, dialect: Dialect, inTransaction: boolean, native: NativeHandles = {}): RotateFn {
  const { pgPool, sqlite } = native;
  if (dialect === 'postgres') {
    if (pgPool && !inTransaction) return (r) => rotatePostgresNamed(pgPool, r);
    return (r) => rotatePostgres(db, r);
  }
  if (inTransaction) return (r) => rotateWith(db, r);
  if (sqlite) return sqliteGroupRotator(db, sqlite);
  return (r) => db.transaction().execute((trx) => rotateWith(trx, r));
}

interface Pending {
  rotation: Rotation;
  resolve: (won: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for SQLite. A commit is the biggest cost of a rotation on SQLite (writing the WAL
 * frames), and the database has one writer anyway; so the rotations requested during one turn of the
 * event loop are written in one IMMEDIATE transaction, each in its own savepoint, and every caller's
 * promise settles only after that transaction has committed: each rotation is still durable before
 * its response, and a rotation that fails (or loses its compare-and-swap) leaves the others intact.
 * The transaction holds Kysely's connection, so it never runs inside another request's transaction.
 */
export function sqliteGroupRotator(db: Kysely<Database>, native: SqliteDatabase.Database): RotateFn {
  const advance = native.prepare(ADVANCE);
  const spend = native.prepare(SPEND);
  const insertNext = native.prepare(INSERT_NEXT);
  const one = native.transaction((r: Rotation): boolean => {
    const p = params(r);
    if (advance.run(...p.advance).changes !== 1) return false;
    spend.run(...p.spend);
    insertNext.run(...p.next);
    return true;
  });
  const all = native.transaction((batch: Pending[]): Array<{ won: boolean } | { err: unknown }> =>
    batch.map((pending) => {
      try {
        // Nested in `all`, `one` is a savepoint: its failure rolls back only its own writes.
        return { won: one(pending.rotation) };
      } catch (err) {
        // SQLITE_FULL, IOERR and BUSY can roll the whole transaction back: then nothing of the batch
        // stands, and every caller gets the error.
        if (!native.inTransaction) throw err;
        return { err };
      }
    }),
  );
  let queue: Pending[] = [];
  const flush = async (): Promise<void> => {
    const batch = queue;
    queue = [];
    try {
      const results = await db.connection().execute(async () => all.immediate(batch));
      results.forEach((result, i) => ('won' in result ? batch[i]!.resolve(result.won) : batch[i]!.reject(result.err)));
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    }
  };
  return (rotation) =>
    new Promise<boolean>((resolve, reject) => {
      if (queue.length === 0) setImmediate(() => void flush());
      queue.push({ rotation, resolve, reject });
    });
}
