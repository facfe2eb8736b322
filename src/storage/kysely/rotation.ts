import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Database, RefreshFamiliesTable } from '../schema.js';
import type { Db, Dialect } from '../db.js';
import type { RefreshStore, Rotation, TokenUse } from '../ports-installations.js';

/*
 * The refresh hot path: the lookup, the rotation and the reuse policy's use, in SQL written once per
 * dialect instead of built per call. Building and compiling a Kysely query cost more than SQLite
 * takes to run it: before this file, ~0.8 ms of JavaScript per rotation went to Kysely's builder and
 * compiler for six queries and a transaction (docs/performance.md). The statements are bound with positional parameters and
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
// not change result type". The list must name every column of the table: a column added to the
// schema type and not here fails the typecheck below.
const FAMILY_COLUMNS = [
  'id', 'installation_id', 'application_id', 'subject', 'scopes', 'policy', 'credentials_version', 'generation', 'status',
  'revoked_at', 'revoked_reason', 'last_access_jti', 'last_access_exp', 'absolute_expires_at', 'created_at', 'last_used_at', 'origin',
] as const satisfies ReadonlyArray<keyof RefreshFamiliesTable>;
type Unlisted = Exclude<keyof RefreshFamiliesTable, (typeof FAMILY_COLUMNS)[number]>;
const everyFamilyColumn: [Unlisted] extends [never] ? true : Unlisted = true;
void everyFamilyColumn;

const LOOKUP = forDialect(
  `select ${FAMILY_COLUMNS.map((c) => `f.${c}`).join(', ')}, t.generation as t_generation, t.created_at as t_created_at, t.expires_at as t_expires_at,
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
 * parses, analyses and plans it on every execution; for these statements that was ~80 % of
 * PostgreSQL's work per rotation (measured: ~850 µs of backend CPU per lookup plus rotation unnamed,
 * ~160 µs named). node-postgres prepares a named statement once per connection and then only binds
 * and executes it. Behind a transaction-mode PgBouncer older than 1.21 named statements do not work
 * (docs/operations.md).
 */
const PG_NAMED = { lookup: 'grantry_refresh_lookup', rotate: 'grantry_refresh_rotate', use: 'grantry_refresh_use' } as const;

/**
 * A token with its family and installation, by the token's hash: one indexed query. Outside a
 * transaction it bypasses Kysely: on PostgreSQL as a named statement on the pool; on SQLite
 * synchronously on the native connection whenever no transaction is open on it (better-sqlite3 runs
 * a statement to its end, so the read cannot interleave with anything; while another request's
 * transaction is open the read waits its turn through Kysely, and never sees uncommitted rows).
 */
function lookup(db: Kysely<Database>, dialect: Dialect, inTransaction: boolean, native: NativeHandles = {}): LookupFn {
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

const TOUCH = `update refresh_families set last_access_jti = ?, last_access_exp = ?, last_used_at = ?
  where id = ? and status = 'active'
  and exists (select 1 from refresh_tokens t where t.hash = ? and t.family_id = refresh_families.id)`;
const EXTEND = `update refresh_tokens set expires_at = ? where hash = ? and family_id = ?`;

/**
 * A write of the hot path, all or nothing. Its statements run in order and the first is the guard:
 * when it changes no row, nothing else is written and the write answers false. On PostgreSQL the same
 * writes are one statement of data-modifying CTEs, so a write is one round trip and one implicit
 * transaction: every later CTE selects from the guard's, so when the guard matches nothing, nothing
 * at all is written. (The casts are needed only where a parameter is a select-list value, whose type
 * PostgreSQL cannot infer from a column.)
 */
interface AtomicWrite<T> {
  statements: readonly string[];
  /** The parameters of each statement; the PostgreSQL statement takes them all, in order. */
  params(x: T): unknown[][];
  pg: { name: string; text: string };
}

const ROTATION: AtomicWrite<Rotation> = {
  statements: [ADVANCE, SPEND, INSERT_NEXT],
  params: (r) => [
    [r.access.jti, r.access.expiresAt, r.at, r.familyId, r.generation, r.spent.hash],
    [r.at, r.spent.successor?.sealed ?? null, r.spent.successor?.until ?? null, r.spent.hash],
    [r.next.hash, r.familyId, r.generation + 1, r.at, r.next.expiresAt],
  ],
  pg: {
    name: PG_NAMED.rotate,
    text: numbered(`with adv as (${ADVANCE} returning id),
      spent as (${SPEND} and exists (select 1 from adv) returning hash),
      nxt as (
        insert into refresh_tokens (hash, family_id, generation, created_at, expires_at, spent_at, successor_sealed, successor_until)
        select ?::text, ?::text, ?::integer, ?::bigint, ?::bigint, null, null, null from adv
        returning hash)
      select count(*) as done from adv`),
  },
};

const USE: AtomicWrite<TokenUse> = {
  statements: [TOUCH, EXTEND],
  params: (u) => [
    [u.access.jti, u.access.expiresAt, u.at, u.familyId, u.hash],
    [u.expiresAt, u.hash, u.familyId],
  ],
  pg: {
    name: PG_NAMED.use,
    text: numbered(`with used as (${TOUCH} returning id),
      ext as (${EXTEND} and exists (select 1 from used) returning hash)
      select count(*) as done from used`),
  },
};

/** Runs a write's statements through Kysely's executor (`q` is a transaction's). */
async function writeWith<T>(q: Kysely<Database>, w: AtomicWrite<T>, x: T): Promise<boolean> {
  const params = w.params(x);
  const guard = await q.executeQuery(CompiledQuery.raw(w.statements[0]!, params[0]!));
  if (Number(guard.numAffectedRows) !== 1) return false;
  for (let i = 1; i < w.statements.length; i++) await q.executeQuery(CompiledQuery.raw(w.statements[i]!, params[i]!));
  return true;
}

/** PostgreSQL's one statement: by name on the pool, or unnamed through Kysely (part of `db`'s transaction, if any). */
async function writePostgres<T>(via: { pool: pg.Pool } | { db: Kysely<Database> }, w: AtomicWrite<T>, x: T): Promise<boolean> {
  const values = w.params(x).flat();
  const res =
    'pool' in via
      ? await via.pool.query<{ done: number | string }>({ name: w.pg.name, text: w.pg.text, values })
      : await via.db.executeQuery<{ done: number | string }>(CompiledQuery.raw(w.pg.text, values));
  return Number(res.rows[0]?.done) === 1;
}

/** The port's two writes, and the raw row of its lookup (the store maps it to domain types). */
export type RefreshHotPath = Pick<RefreshStore, 'rotate' | 'use'> & { lookup: LookupFn };

/**
 * RefreshStore's lookup, rotate and use. Inside a transaction (`inTransaction`: `db` is a
 * transaction's) the statements join it. Outside one: a single statement on PostgreSQL (by name when
 * the pool is given); on SQLite the group commit below when the native handle is given (the root
 * stores of a runtime), otherwise a transaction of its own.
 */
export function refreshHotPath(db: Kysely<Database>, dialect: Dialect, inTransaction: boolean, native: NativeHandles = {}): RefreshHotPath {
  const find = lookup(db, dialect, inTransaction, native);
  const { pgPool, sqlite } = native;
  let write: <T>(w: AtomicWrite<T>, x: T) => Promise<boolean>;
  if (dialect === 'postgres') {
    const via = pgPool && !inTransaction ? { pool: pgPool } : { db };
    write = (w, x) => writePostgres(via, w, x);
  } else if (inTransaction) {
    write = (w, x) => writeWith(db, w, x);
  } else if (sqlite) {
    write = sqliteGroupCommit(db, sqlite);
  } else {
    write = (w, x) => db.transaction().execute((trx) => writeWith(trx, w, x));
  }
  return { lookup: find, rotate: (r) => write(ROTATION, r), use: (u) => write(USE, u) };
}

interface Pending {
  statements: SqliteDatabase.Statement[];
  params: unknown[][];
  resolve: (done: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for SQLite. A commit is the biggest cost of a refresh's writes on SQLite (writing the
 * WAL frames), and the database has one writer anyway; so the rotations and uses requested during one
 * turn of the event loop are written in one IMMEDIATE transaction, each in its own savepoint, and
 * every caller's promise settles only after that transaction has committed: each write is still
 * durable before its response, and one that fails (or loses its compare-and-swap) leaves the others
 * intact. The transaction holds Kysely's connection, so it never runs inside another request's
 * transaction. Statements are prepared once, on the native handle.
 */
function sqliteGroupCommit(db: Kysely<Database>, native: SqliteDatabase.Database): <T>(w: AtomicWrite<T>, x: T) => Promise<boolean> {
  const prepared = new Map<AtomicWrite<never>, SqliteDatabase.Statement[]>();
  const statementsOf = (w: AtomicWrite<never>) => {
    let stmts = prepared.get(w);
    if (!stmts) prepared.set(w, (stmts = w.statements.map((text) => native.prepare(text))));
    return stmts;
  };
  const one = native.transaction((statements: SqliteDatabase.Statement[], params: unknown[][]): boolean => {
    // The guard: nothing else is written when it changes no row.
    if (statements[0]!.run(...params[0]!).changes !== 1) return false;
    for (let i = 1; i < statements.length; i++) statements[i]!.run(...params[i]!);
    return true;
  });
  const all = native.transaction((batch: Pending[]): Array<{ done: boolean } | { err: unknown }> =>
    batch.map((pending) => {
      try {
        // Nested in `all`, `one` is a savepoint: its failure rolls back only its own writes.
        return { done: one(pending.statements, pending.params) };
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
      results.forEach((result, i) => ('done' in result ? batch[i]!.resolve(result.done) : batch[i]!.reject(result.err)));
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    }
  };
  return (w, x) =>
    new Promise<boolean>((resolve, reject) => {
      if (queue.length === 0) setImmediate(() => void flush());
      queue.push({ statements: statementsOf(w as AtomicWrite<never>), params: w.params(x), resolve, reject });
    });
}
