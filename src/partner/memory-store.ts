/**
 * An in-memory token store, for tests and single-process experiments: nothing survives a restart, so a
 * partner service in production uses sqliteStore or postgresStore (seed 000: the refresh token is
 * delivered only by webhook and must be "stored securely and reliably").
 */
import type { LockedInstallation, ReceiveResult, RefreshedTokens, StoredInstallation, TokenStore, WebhookChange } from './store.js';
import { changeListeners, MESSAGE_RETENTION_MS } from './store.js';

export function memoryStore(): TokenStore {
  const rows = new Map<string, StoredInstallation>();
  const messages = new Map<string, { receivedAt: number; done: boolean }>();
  /** Installations whose lock is held. */
  const held = new Set<string>();
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

  const changes = changeListeners();
  return {
    subscribe: changes.subscribe,
    async receive(messageId, change, { now, completed }): Promise<ReceiveResult> {
      for (const [id, m] of messages) if (m.receivedAt < now - MESSAGE_RETENTION_MS) messages.delete(id);
      const seen = messages.get(messageId);
      if (seen) return { seen: seen.done ? 'done' : 'pending', applied: false };
      const applied = apply(change, now);
      messages.set(messageId, { receivedAt: now, done: completed });
      changes.notify(change, applied);
      return { seen: 'new', applied };
    },
    async complete(messageId) {
      const m = messages.get(messageId);
      if (m) m.done = true;
    },
    get: async (installationId) => copy(rows.get(installationId)),
    async tryWithLock(installationId, fn) {
      if (held.has(installationId)) return { acquired: false };
      held.add(installationId);
      try {
        return { acquired: true, value: await fn(locked(installationId)) };
      } finally {
        held.delete(installationId);
      }
    },
    async close() {
      rows.clear();
      messages.clear();
    },
  };
}
