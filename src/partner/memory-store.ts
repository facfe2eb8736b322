/**
 * An in-memory token store, for tests and single-process experiments: nothing survives a restart, so a
 * partner service in production uses sqliteStore or postgresStore (seed 000: the refresh token is
 * delivered only by webhook and must be "stored securely and reliably").
 */
import { LockTimeoutError } from './errors.js';
import type { LockedInstallation, ReceiveResult, RefreshedTokens, StoredInstallation, TokenStore, WebhookChange } from './store.js';
import { MESSAGE_RETENTION_MS } from './store.js';

export function memoryStore(): TokenStore {
  const rows = new Map<string, StoredInstallation>();
  const messages = new Map<string, { receivedAt: number; done: boolean }>();
  /** The tail of each installation's lock queue. */
  const locks = new Map<string, Promise<void>>();
  const copy = (r: StoredInstallation | undefined): StoredInstallation | null => (r ? { ...r, scopes: [...r.scopes] } : null);

  function apply(change: WebhookChange, now: number): boolean {
    if (change.kind === 'none') return false;
    const current = rows.get(change.installationId);
    if (change.kind === 'delete') {
      rows.set(change.installationId, {
        installationId: change.installationId,
        status: 'deleted',
        credentialsVersion: current?.credentialsVersion ?? 0,
        revision: (current?.revision ?? 0) + 1,
        refreshToken: null,
        accessToken: null,
        accessTokenExpiresAt: null,
        accessTokenIssuedAt: null,
        organizationId: current?.organizationId ?? null,
        clientId: current?.clientId ?? null,
        scopes: current?.scopes ?? [],
        updatedAt: now,
      });
      return true;
    }
    if (current && (current.status === 'deleted' || current.credentialsVersion >= change.credentialsVersion)) return false;
    const { kind: _kind, ...fields } = change;
    rows.set(change.installationId, { ...fields, scopes: [...fields.scopes], status: 'active', revision: (current?.revision ?? 0) + 1, updatedAt: now });
    return true;
  }

  const locked = (installationId: string): LockedInstallation => ({
    read: async () => copy(rows.get(installationId)),
    async saveTokens(expectedRevision: number, tokens: RefreshedTokens, now: number) {
      const r = rows.get(installationId);
      if (!r || r.revision !== expectedRevision || r.status !== 'active') return false;
      rows.set(installationId, { ...r, ...tokens, revision: r.revision + 1, updatedAt: now });
      return true;
    },
    async markRevoked(expectedRevision: number, now: number) {
      const r = rows.get(installationId);
      if (!r || r.revision !== expectedRevision) return false;
      rows.set(installationId, { ...r, status: 'revoked', revision: r.revision + 1, updatedAt: now });
      return true;
    },
  });

  return {
    async receive(messageId, change, { now, completed }): Promise<ReceiveResult> {
      for (const [id, m] of messages) if (m.receivedAt < now - MESSAGE_RETENTION_MS) messages.delete(id);
      const seen = messages.get(messageId);
      if (seen) return { seen: seen.done ? 'done' : 'pending', applied: false };
      const applied = apply(change, now);
      messages.set(messageId, { receivedAt: now, done: completed });
      return { seen: 'new', applied };
    },
    async complete(messageId) {
      const m = messages.get(messageId);
      if (m) m.done = true;
    },
    get: async (installationId) => copy(rows.get(installationId)),
    async withLock(installationId, fn, { timeoutMs }) {
      const previous = locks.get(installationId) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = previous.then(() => mine);
      locks.set(installationId, tail);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
      let acquired = false;
      const done = () => {
        release();
        if (locks.get(installationId) === tail) locks.delete(installationId);
      };
      try {
        if ((await Promise.race([previous.then(() => 'ok' as const), timedOut])) === 'timeout') throw new LockTimeoutError(installationId, timeoutMs);
        acquired = true;
        clearTimeout(timer);
        return await fn(locked(installationId));
      } finally {
        clearTimeout(timer);
        // A waiter that gave up passes its turn on only once the holder ahead of it is done.
        if (acquired) done();
        else void previous.then(done);
      }
    },
    async close() {
      rows.clear();
      messages.clear();
    },
  };
}
