import type { Clock } from '../domain/clock.js';

interface Window {
  start: number;
  failures: number;
}

export interface FailureLimits {
  /** Failed authentications of one client from one address per window. */
  perClientAddress: number;
  /** Failed authentications from one address, whatever the client, per window. */
  perAddress: number;
  windowMs: number;
  /** Keys remembered at most (oldest forgotten first), so a flood of addresses cannot exhaust memory. */
  maxKeys?: number;
}

/**
 * Limits failed client authentication (RFC 6819 §4.3.2, §5.1.4.2.3; RFC 9700 §4.x). Counting is keyed
 * by client *and* address, never by client alone: client ids are not secret, and a limit per client
 * would let anyone lock a client out by failing on purpose. An attacker's failures block only the
 * attacker's address (for that client, and after more failures for every client), for at most one
 * window; the real client, elsewhere, is never stopped. Counted per process: N processes allow N times
 * the limit, which still bounds guessing of 256-bit secrets to nothing useful.
 */
export class FailureLimiter {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: FailureLimits,
  ) {}

  /** Seconds until this client may try again from this address, or 0 when it may now. */
  blockedFor(clientId: string, address: string): number {
    const now = this.clock.now();
    let until = 0;
    for (const [key, limit] of this.#keys(clientId, address)) {
      const w = this.#windows.get(key);
      if (w && now - w.start < this.limits.windowMs && w.failures >= limit) until = Math.max(until, w.start + this.limits.windowMs);
    }
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  recordFailure(clientId: string, address: string): void {
    const now = this.clock.now();
    for (const [key] of this.#keys(clientId, address)) {
      const w = this.#windows.get(key);
      if (w && now - w.start < this.limits.windowMs) {
        w.failures += 1;
        continue;
      }
      this.#windows.delete(key);
      if (this.#windows.size >= (this.limits.maxKeys ?? 50_000)) this.#windows.delete(this.#windows.keys().next().value!);
      this.#windows.set(key, { start: now, failures: 1 });
    }
  }

  #keys(clientId: string, address: string): [string, number][] {
    return [
      [`c\u0000${clientId.slice(0, 200)}\u0000${address}`, this.limits.perClientAddress],
      [`a\u0000${address}`, this.limits.perAddress],
    ];
  }
}
