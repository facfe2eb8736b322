/**
 * The token store: one small interface that the receiver writes through and the token manager reads,
 * locks and writes through. Three adapters implement it: memoryStore (tests, one process),
 * sqliteStore (better-sqlite3, a file shared by the processes of one host) and postgresStore (pg,
 * shared by every process and host). Tokens are kept sealed (AES-256-GCM) by the SQLite and
 * PostgreSQL adapters.
 */

/** What a store keeps for one installation. Times are milliseconds since the epoch. */
export interface StoredInstallation {
  installationId: string;
  /**
   * `active`; `revoked` once Grantry refused the refresh token (invalid_grant); `deleted` once
   * INSTALLATION.DELETE arrived (its tokens are erased then, and older credentials arriving late are ignored).
   */
  status: 'active' | 'revoked' | 'deleted';
  /** The webhook's credentials_version: a redelivered or late older message never replaces newer credentials. */
  credentialsVersion: number;
  /** Incremented by every write: the token manager's compare-and-set. */
  revision: number;
  /** Null once deleted. */
  refreshToken: string | null;
  accessToken: string | null;
  accessTokenExpiresAt: number | null;
  /** When the access token was obtained: with its expiry, its lifetime, which sets how early it is renewed. */
  accessTokenIssuedAt: number | null;
  organizationId: string | null;
  clientId: string | null;
  scopes: string[];
  updatedAt: number;
}

/** Credentials carried by INSTALLATION.CREATE / INSTALLATION.UPDATE. */
export interface CredentialsChange {
  kind: 'credentials';
  installationId: string;
  credentialsVersion: number;
  refreshToken: string;
  accessToken: string | null;
  accessTokenExpiresAt: number | null;
  accessTokenIssuedAt: number | null;
  organizationId: string | null;
  clientId: string | null;
  scopes: string[];
}

/** What a verified webhook message changes in the store. */
export type WebhookChange = CredentialsChange | { kind: 'delete'; installationId: string } | { kind: 'none' };

export interface ReceiveResult {
  /** `new`: first time this webhook-id is seen; `pending`: seen, but its handling (onEvent) never completed; `done`: handled already. */
  seen: 'new' | 'pending' | 'done';
  /** Whether the change was applied (false for an older credentials version, or for credentials of a deleted installation). */
  applied: boolean;
}

/** New tokens from a refresh; `refreshToken` is the one to keep (the rotated one, or the same one under the reuse policy). */
export interface RefreshedTokens {
  refreshToken: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  accessTokenIssuedAt: number;
}

/** The installation as seen while holding its lock. */
export interface LockedInstallation {
  /** Reads the row again (another process may have refreshed while this one waited for the lock). */
  read(): Promise<StoredInstallation | null>;
  /** Writes refreshed tokens if the row is still at `expectedRevision`; false when a webhook replaced the credentials meanwhile. */
  saveTokens(expectedRevision: number, tokens: RefreshedTokens, now: number): Promise<boolean>;
  /** Marks the installation revoked if the row is still at `expectedRevision`. */
  markRevoked(expectedRevision: number, now: number): Promise<boolean>;
}

/** The outcome of tryWithLock: the function's value, or that another holder has the lock right now. */
export type LockAttempt<T> = { acquired: true; value: T } | { acquired: false };

export interface TokenStore {
  /**
   * Records a verified webhook message by its webhook-id and applies its change, in one transaction,
   * committed (durably, for the file and database adapters) before the promise resolves.
   * `completed` marks the message handled at once (nothing else to run for it).
   */
  receive(messageId: string, change: WebhookChange, options: { now: number; completed: boolean }): Promise<ReceiveResult>;
  /** Marks a message handled (after the receiver's onEvent succeeded). */
  complete(messageId: string): Promise<void>;
  get(installationId: string): Promise<StoredInstallation | null>;
  /**
   * Runs `fn` holding the installation's lock, exclusive across every process sharing the store, if
   * the lock is free now; otherwise resolves `{acquired: false}` at once. The lock is released when
   * `fn` settles. The token manager waits by polling the row and this, so a process waiting for
   * another's refresh picks the new token up from the row without ever queueing for the lock.
   */
  tryWithLock<T>(installationId: string, fn: (locked: LockedInstallation) => Promise<T>): Promise<LockAttempt<T>>;
  /**
   * Optional: calls `listener` after a webhook changed an installation through this store object, so a
   * token manager in the same process drops its cached access token at once (an uninstall, new
   * credentials). Returns the unsubscribe function. Other processes see the change at their next read.
   */
  subscribe?(listener: (installationId: string) => void): () => void;
  close(): Promise<void>;
}

/** The listeners of subscribe(), shared by the adapters. */
export function changeListeners(): { subscribe(listener: (installationId: string) => void): () => void; notify(change: WebhookChange, applied: boolean): void } {
  const listeners = new Set<(installationId: string) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(change, applied) {
      if (!applied || change.kind === 'none') return;
      for (const l of listeners) l(change.installationId);
    },
  };
}

/**
 * How long webhook-ids are remembered. Grantry retries a message for about three days (10 attempts,
 * Standard Webhooks example schedule) with the same webhook-id; a week covers them all.
 */
export const MESSAGE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** The table names, shared by the SQL adapters (prefixed: they live in the partner's own database). */
export const TABLES = {
  installations: 'grantry_partner_installations',
  messages: 'grantry_partner_messages',
  locks: 'grantry_partner_locks',
} as const;
