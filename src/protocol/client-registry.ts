import type { Application, ClientSecret } from '../domain/application.js';
import type { Clock } from '../domain/clock.js';
import type { ApplicationStore } from '../storage/ports.js';

export interface RegisteredClient {
  app: Application;
  secrets: ClientSecret[];
}

interface Entry {
  value: RegisteredClient | null;
  loadedAt: number;
}

/**
 * Applications and their secret hashes, cached by client_id so client authentication costs no
 * database read on the hot path. Changes made through this process invalidate at once; changes made
 * by another process (or the CLI) arrive through the change feed (storage/changes.ts), and `ttlMs`
 * bounds staleness when that feed is down.
 */
export class ClientRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<RegisteredClient | null>>();

  constructor(
    private readonly apps: Pick<ApplicationStore, 'getByClientId' | 'secrets'>,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(clientId: string): Promise<RegisteredClient | null> {
    const now = this.clock.now();
    const entry = this.#entries.get(clientId);
    if (entry && now - entry.loadedAt < this.ttlMs) return entry.value;
    // Coalesce concurrent misses for one client into a single query.
    let pending = this.#inflight.get(clientId);
    if (!pending) {
      pending = this.#load(clientId, now).finally(() => this.#inflight.delete(clientId));
      this.#inflight.set(clientId, pending);
    }
    return pending;
  }

  async #load(clientId: string, now: number): Promise<RegisteredClient | null> {
    const app = await this.apps.getByClientId(clientId);
    const value = app ? { app, secrets: await this.apps.secrets(app.id) } : null;
    // Unknown ids are not cached: an attacker spraying random ids must not evict real clients.
    if (value) {
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(clientId, { value, loadedAt: now });
    }
    return value;
  }

  /** Called with the client id whenever this process changes an application (see storage/changes.ts). */
  onInvalidate: ((clientId: string) => void) | null = null;

  /** An application changed here: forget it, and tell the other processes. */
  invalidate(clientId: string): void {
    this.#entries.delete(clientId);
    this.onInvalidate?.(clientId);
  }

  /** An application changed in another process: forget it. */
  forget(clientId: string): void {
    this.#entries.delete(clientId);
  }

  clear(): void {
    this.#entries.clear();
  }
}
