/**
 * A token store in PostgreSQL (pg), shared by every process and host of the partner's service.
 *
 * - pg is loaded on first use (dynamic import), so importing grantry/partner never loads it.
 * - The refresh lock is a transaction-scoped advisory lock keyed on the installation
 *   (pg_advisory_xact_lock, PostgreSQL manual §13.3.5), taken on a connection of the pool that stays in
 *   its transaction across the HTTP refresh: the rotated refresh token is written and committed in that
 *   same transaction, and the lock ends with it. A crashed holder's session ends, and so does its lock:
 *   no lease to wait out. The lock is only tried (pg_try_advisory_xact_lock): waiting is the manager's
 *   polling of the row, so no pooled connection sits blocked behind another process's refresh.
 * - The connection string may carry `options=-c search_path=...` to put the tables in a schema.
 */
import type pg from 'pg';
import { createSealer, type KeyInput } from './seal.js';
import { rowToRecord, type InstallationRow } from './rows.js';
import { changeListeners, MESSAGE_RETENTION_MS, TABLES, type LockedInstallation, type ReceiveResult, type TokenStore, type WebhookChange } from './store.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** 32-byte key sealing the tokens (base64 or hex text, or bytes); a list during a key rotation (the first seals). */
  key: KeyInput | readonly KeyInput[];
  /**
   * Connections of the store's pool (default 10). A refresh holds one for its HTTP round trip, so this
   * bounds the refreshes of different installations a process runs at once.
   */
  poolSize?: number;
}

const { installations: I, messages: M } = TABLES;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${I} (
  installation_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  credentials_version INTEGER NOT NULL,
  revision BIGINT NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  access_token_expires_at BIGINT,
  access_token_issued_at BIGINT,
  organization_id TEXT,
  client_id TEXT,
  scopes TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${M} (message_id TEXT PRIMARY KEY, received_at BIGINT NOT NULL, done BOOLEAN NOT NULL);
CREATE INDEX IF NOT EXISTS ${M}_received_at ON ${M} (received_at);
`;

/** One advisory-lock key space for the kit: hashtextextended of this prefix + the installation id. */
const LOCK_PREFIX = 'grantry/partner:';

type Queryable = Pick<pg.PoolClient, 'query'>;

export function postgresStore(options: PostgresStoreOptions): TokenStore {
  const sealer = createSealer(options.key);
  let opened: Promise<pg.Pool> | null = null;

  const pool = (): Promise<pg.Pool> =>
    (opened ??= (async () => {
      // Loaded here, not at import: a partner using another store never loads pg.
      const { default: pgModule } = await import('pg');
      const p = new pgModule.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
      // An idle client's error (the server restarted) must not crash the process; the pool replaces it.
      p.on('error', () => {});
      const c = await p.connect();
      try {
        // Several processes may start at once: CREATE TABLE IF NOT EXISTS is not safe under concurrency
        // (two creators can collide on the catalog), so the DDL runs under one advisory lock.
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${LOCK_PREFIX}schema`]);
        await c.query(SCHEMA);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
      return p;
    })().catch((err: unknown) => {
      opened = null;
      throw err;
    }));

  async function inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await (await pool()).connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  const read = async (q: Queryable, id: string) => {
    const { rows } = await q.query<InstallationRow>(`SELECT * FROM ${I} WHERE installation_id = $1`, [id]);
    return rows[0] ? rowToRecord(rows[0], sealer) : null;
  };

  async function apply(q: Queryable, change: WebhookChange, now: number): Promise<boolean> {
    if (change.kind === 'none') return false;
    if (change.kind === 'delete') {
      // Uninstalled: the tokens are erased; the row stays as a tombstone so late older credentials are ignored.
      await q.query(
        `INSERT INTO ${I} (installation_id, status, credentials_version, revision, scopes, updated_at) VALUES ($1, 'deleted', 0, 1, '[]', $2)
         ON CONFLICT (installation_id) DO UPDATE SET status = 'deleted', refresh_token = NULL, access_token = NULL,
           access_token_expires_at = NULL, access_token_issued_at = NULL, revision = ${I}.revision + 1, updated_at = excluded.updated_at`,
        [change.installationId, now],
      );
      return true;
    }
    const id = change.installationId;
    const res = await q.query(
      `INSERT INTO ${I} (installation_id, status, credentials_version, revision, refresh_token, access_token, access_token_expires_at,
         access_token_issued_at, organization_id, client_id, scopes, updated_at)
       VALUES ($1, 'active', $2, 1, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (installation_id) DO UPDATE SET status = 'active', credentials_version = excluded.credentials_version,
         revision = ${I}.revision + 1, refresh_token = excluded.refresh_token, access_token = excluded.access_token,
         access_token_expires_at = excluded.access_token_expires_at, access_token_issued_at = excluded.access_token_issued_at,
         organization_id = excluded.organization_id, client_id = excluded.client_id, scopes = excluded.scopes, updated_at = excluded.updated_at
       WHERE ${I}.status <> 'deleted' AND ${I}.credentials_version < excluded.credentials_version`,
      [
        id,
        change.credentialsVersion,
        sealer.seal(change.refreshToken, id, 'refresh_token'),
        change.accessToken === null ? null : sealer.seal(change.accessToken, id, 'access_token'),
        change.accessTokenExpiresAt,
        change.accessTokenIssuedAt,
        change.organizationId,
        change.clientId,
        JSON.stringify(change.scopes),
        now,
      ],
    );
    return res.rowCount === 1;
  }

  const locked = (c: pg.PoolClient, id: string): LockedInstallation => ({
    read: () => read(c, id),
    async saveTokens(expectedRevision, tokens, now) {
      const res = await c.query(
        `UPDATE ${I} SET refresh_token = $1, access_token = $2, access_token_expires_at = $3, access_token_issued_at = $4, revision = revision + 1, updated_at = $5
         WHERE installation_id = $6 AND revision = $7 AND status = 'active'`,
        [sealer.seal(tokens.refreshToken, id, 'refresh_token'), sealer.seal(tokens.accessToken, id, 'access_token'), tokens.accessTokenExpiresAt, tokens.accessTokenIssuedAt, now, id, expectedRevision],
      );
      return res.rowCount === 1;
    },
    async markRevoked(expectedRevision, now) {
      const res = await c.query(`UPDATE ${I} SET status = 'revoked', revision = revision + 1, updated_at = $1 WHERE installation_id = $2 AND revision = $3`, [now, id, expectedRevision]);
      return res.rowCount === 1;
    },
  });

  const changes = changeListeners();
  return {
    subscribe: changes.subscribe,
    async receive(messageId, change, { now, completed }): Promise<ReceiveResult> {
      // One transaction: the webhook-id and the tokens commit together, or neither does. Two deliveries
      // of one message at once: the second insert waits on the first's key and then finds it.
      const result = await inTransaction(async (c): Promise<ReceiveResult> => {
        await c.query(`DELETE FROM ${M} WHERE received_at < $1`, [now - MESSAGE_RETENTION_MS]);
        const inserted = await c.query(`INSERT INTO ${M} (message_id, received_at, done) VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING`, [messageId, now, completed]);
        if (inserted.rowCount === 0) {
          const { rows } = await c.query<{ done: boolean }>(`SELECT done FROM ${M} WHERE message_id = $1`, [messageId]);
          return { seen: rows[0]?.done ? 'done' : 'pending', applied: false };
        }
        return { seen: 'new', applied: await apply(c, change, now) };
      });
      changes.notify(change, result.applied);
      return result;
    },
    async complete(messageId) {
      await (await pool()).query(`UPDATE ${M} SET done = true WHERE message_id = $1`, [messageId]);
    },
    async get(installationId) {
      return read(await pool(), installationId);
    },
    async tryWithLock(installationId, fn) {
      const c = await (await pool()).connect();
      try {
        await c.query('BEGIN');
        // Never waits: a holder is mid-refresh, and the manager polls the row for its result instead of
        // keeping a pooled connection blocked in the server.
        const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok', [LOCK_PREFIX + installationId]);
        if (!rows[0]?.ok) {
          await c.query('ROLLBACK');
          return { acquired: false };
        }
        const value = await fn(locked(c, installationId));
        await c.query('COMMIT');
        return { acquired: true, value };
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
    },
    async close() {
      const p = opened;
      opened = null;
      if (p) await (await p.catch(() => null))?.end();
    },
  };
}
