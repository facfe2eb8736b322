/**
 * A token store in a SQLite file (better-sqlite3), shared by the processes of one host.
 *
 * - better-sqlite3 is loaded on first use (dynamic import), so importing grantry/partner never loads it.
 * - Durability: WAL journal with synchronous=FULL, so a committed webhook is on disk before the receiver
 *   answers 2xx (with NORMAL, a power loss could lose the last commits; FULL syncs the WAL at each commit).
 * - The refresh lock is a lease row (installation id, owner, expiry) taken with one conditional upsert.
 *   A transaction cannot be held across the HTTP refresh here: better-sqlite3 waits for SQLite's lock
 *   synchronously, which would stall every other request of the waiting process. The holder renews its
 *   lease while it works; a crashed holder's lease expires and the next process takes over.
 */
import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { createSealer, type KeyInput } from './seal.js';
import { rowToRecord, type InstallationRow as Row } from './rows.js';
import { changeListeners, MESSAGE_RETENTION_MS, TABLES, type LockedInstallation, type ReceiveResult, type TokenStore, type WebhookChange } from './store.js';

export interface SqliteStoreOptions {
  /** The database file (created if missing). The tables are created on first use. */
  path: string;
  /** 32-byte key sealing the tokens (base64 or hex text, or bytes); a list during a key rotation (the first seals). */
  key: KeyInput | readonly KeyInput[];
  /** How long a refresh lock is held without renewal before another process may take it (default 30 s). */
  leaseMs?: number;
  /** How long a write waits for another process's write transaction (SQLite busy_timeout; default 5 s). */
  busyTimeoutMs?: number;
}

const { installations: I, messages: M, locks: L } = TABLES;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${I} (
  installation_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  credentials_version INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  access_token_expires_at INTEGER,
  access_token_issued_at INTEGER,
  organization_id TEXT,
  client_id TEXT,
  scopes TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ${M} (message_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, done INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ${M}_received_at ON ${M} (received_at);
CREATE TABLE IF NOT EXISTS ${L} (installation_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
`;


/**
 * A lock row need not survive a power loss (a lost lock is a free lock), so its writes skip the fsync
 * that token writes pay (synchronous=NORMAL in WAL mode; made durable by the next FULL commit anyway).
 */
function lockWrite<T>(h: BetterSqlite3.Database, fn: () => T): T {
  h.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    h.pragma('synchronous = FULL');
  }
}

export function sqliteStore(options: SqliteStoreOptions): TokenStore {
  const sealer = createSealer(options.key);
  const leaseMs = options.leaseMs ?? 30_000;
  let opened: Promise<BetterSqlite3.Database> | null = null;
  let closed = false;

  const db = (): Promise<BetterSqlite3.Database> =>
    (opened ??= (async () => {
      // Loaded here, not at import: a partner using another store never loads the native module.
      const mod = (await import('better-sqlite3')) as unknown as { default: typeof BetterSqlite3 };
      const Database = mod.default;
      const handle = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
      handle.pragma('journal_mode = WAL');
      handle.pragma('synchronous = FULL');
      // Several processes may open a new file at once: the DDL is idempotent and serialized by SQLite's write lock.
      handle.transaction(() => handle.exec(SCHEMA)).immediate();
      return handle;
    })());

  const getRow = (h: BetterSqlite3.Database, id: string) => h.prepare(`SELECT * FROM ${I} WHERE installation_id = ?`).get(id) as Row | undefined;

  function apply(h: BetterSqlite3.Database, change: WebhookChange, now: number): boolean {
    if (change.kind === 'none') return false;
    if (change.kind === 'delete') {
      // Uninstalled: the tokens are erased; the row stays as a tombstone so late older credentials are ignored.
      h.prepare(
        `INSERT INTO ${I} (installation_id, status, credentials_version, revision, scopes, updated_at) VALUES (?, 'deleted', 0, 1, '[]', ?)
         ON CONFLICT (installation_id) DO UPDATE SET status = 'deleted', refresh_token = NULL, access_token = NULL,
           access_token_expires_at = NULL, access_token_issued_at = NULL, revision = ${I}.revision + 1, updated_at = excluded.updated_at`,
      ).run(change.installationId, now);
      return true;
    }
    const id = change.installationId;
    const info = h
      .prepare(
        `INSERT INTO ${I} (installation_id, status, credentials_version, revision, refresh_token, access_token, access_token_expires_at,
           access_token_issued_at, organization_id, client_id, scopes, updated_at)
         VALUES (?, 'active', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (installation_id) DO UPDATE SET status = 'active', credentials_version = excluded.credentials_version,
           revision = ${I}.revision + 1, refresh_token = excluded.refresh_token, access_token = excluded.access_token,
           access_token_expires_at = excluded.access_token_expires_at, access_token_issued_at = excluded.access_token_issued_at,
           organization_id = excluded.organization_id, client_id = excluded.client_id, scopes = excluded.scopes, updated_at = excluded.updated_at
         WHERE ${I}.status <> 'deleted' AND ${I}.credentials_version < excluded.credentials_version`,
      )
      .run(
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
      );
    return info.changes === 1;
  }

  const locked = (h: BetterSqlite3.Database, id: string): LockedInstallation => ({
    read: async () => {
      const row = getRow(h, id);
      return row ? rowToRecord(row, sealer) : null;
    },
    async saveTokens(expectedRevision, tokens, now) {
      const info = h
        .prepare(
          `UPDATE ${I} SET refresh_token = ?, access_token = ?, access_token_expires_at = ?, access_token_issued_at = ?, revision = revision + 1, updated_at = ?
           WHERE installation_id = ? AND revision = ? AND status = 'active'`,
        )
        .run(sealer.seal(tokens.refreshToken, id, 'refresh_token'), sealer.seal(tokens.accessToken, id, 'access_token'), tokens.accessTokenExpiresAt, tokens.accessTokenIssuedAt, now, id, expectedRevision);
      return info.changes === 1;
    },
    async markRevoked(expectedRevision, now) {
      const info = h.prepare(`UPDATE ${I} SET status = 'revoked', revision = revision + 1, updated_at = ? WHERE installation_id = ? AND revision = ?`).run(now, id, expectedRevision);
      return info.changes === 1;
    },
  });

  const changes = changeListeners();
  return {
    subscribe: changes.subscribe,
    async receive(messageId, change, { now, completed }): Promise<ReceiveResult> {
      const h = await db();
      // One IMMEDIATE transaction: the webhook-id and the tokens commit together, or neither does.
      const result = h
        .transaction((): ReceiveResult => {
          h.prepare(`DELETE FROM ${M} WHERE received_at < ?`).run(now - MESSAGE_RETENTION_MS);
          const seen = h.prepare(`SELECT done FROM ${M} WHERE message_id = ?`).get(messageId) as { done: number } | undefined;
          if (seen) return { seen: seen.done ? 'done' : 'pending', applied: false };
          const applied = apply(h, change, now);
          h.prepare(`INSERT INTO ${M} (message_id, received_at, done) VALUES (?, ?, ?)`).run(messageId, now, completed ? 1 : 0);
          return { seen: 'new', applied };
        })
        .immediate();
      changes.notify(change, result.applied);
      return result;
    },
    async complete(messageId) {
      (await db()).prepare(`UPDATE ${M} SET done = 1 WHERE message_id = ?`).run(messageId);
    },
    async get(installationId) {
      const row = getRow(await db(), installationId);
      return row ? rowToRecord(row, sealer) : null;
    },
    async tryWithLock(installationId, fn) {
      const h = await db();
      const owner = randomUUID();
      const now = Date.now();
      // Read first (WAL readers never wait): only a free or expired lock is worth a write transaction,
      // so waiters do not queue on SQLite's write lock, whose busy wait would block their event loop.
      const expiresAt = h.prepare(`SELECT expires_at FROM ${L} WHERE installation_id = ?`).pluck().get(installationId) as number | undefined;
      if (expiresAt !== undefined && expiresAt > now) return { acquired: false };
      const take = h.prepare(
        `INSERT INTO ${L} (installation_id, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (installation_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE ${L}.expires_at <= ?`,
      );
      if (!lockWrite(h, () => take.run(installationId, owner, now + leaseMs, now).changes === 1)) return { acquired: false };
      // Renewed well before expiry, so a slow refresh (retries honouring Retry-After) keeps its lock.
      const renew = setInterval(() => {
        try {
          lockWrite(h, () => h.prepare(`UPDATE ${L} SET expires_at = ? WHERE installation_id = ? AND owner = ?`).run(Date.now() + leaseMs, installationId, owner));
        } catch {
          // Busy: the next tick tries again, well inside the lease.
        }
      }, Math.max(10, Math.floor(leaseMs / 3)));
      renew.unref();
      try {
        return { acquired: true, value: await fn(locked(h, installationId)) };
      } finally {
        clearInterval(renew);
        if (!closed) lockWrite(h, () => h.prepare(`DELETE FROM ${L} WHERE installation_id = ? AND owner = ?`).run(installationId, owner));
      }
    },
    async close() {
      closed = true;
      if (opened) (await opened.catch(() => null))?.close();
      opened = null;
    },
  };
}
