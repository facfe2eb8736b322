import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Keyed hashes of high-entropy secrets (client secrets, refresh tokens, codes): HMAC-SHA-256 under a
 * server pepper. The secrets are 256-bit random, so a slow password hash would add tens of
 * milliseconds per client authentication and no security; a database dump without the pepper
 * cannot even confirm a guess.
 */
export class Hasher {
  readonly #pepper: Buffer;

  constructor(pepper: Buffer) {
    if (pepper.length < 32) throw new Error('the hash pepper must be at least 32 bytes');
    this.#pepper = pepper;
  }

  hash(secret: string): string {
    return createHmac('sha256', this.#pepper).update(secret).digest('base64url');
  }

  /** Constant-time comparison of a presented secret with a stored hash. */
  matches(secret: string, storedHash: string): boolean {
    const a = createHmac('sha256', this.#pepper).update(secret).digest();
    const b = Buffer.from(storedHash, 'base64url');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
