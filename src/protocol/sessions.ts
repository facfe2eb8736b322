import type { Config } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Random } from '../domain/random.js';
import { appendAudit } from '../storage/audit.js';
import { SESSION_PREFIX, normalizeEmail, type User } from '../domain/user.js';
import type { Hasher } from '../crypto/hasher.js';
import { decoyHash, hashPassword, verifyPassword } from '../crypto/password.js';
import type { Stores } from '../storage/ports.js';

export interface SessionDeps {
  stores: Stores;
  clock: Clock;
  random: Random;
  hasher: Hasher;
  config: Pick<Config, 'sessionTtl'>;
}

/**
 * Brute-force protection (RFC 6819 §5.1.4.2.3, OWASP authentication guidance), kept in the database
 * so every process counts the same failures:
 * - per account: from the 5th failure in 15 minutes the account is locked for 1 minute, doubling with
 *   each further failure up to 15 minutes. A lock always ends: an attacker can keep one account
 *   slowed down, never shut for good, and the owner's attempts while locked are not counted.
 * - per client address: 50 failures in 15 minutes stop sign-ins from that address until the window ends.
 */
export const THROTTLE = { windowMs: 15 * 60_000, accountFailures: 5, baseLockMs: 60_000, maxLockMs: 15 * 60_000, addressFailures: 50 } as const;

export type SignInResult =
  | { ok: true; user: User; sessionToken: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

const accountKey = (email: string) => `acct:${email}`;
const addressKey = (ip: string) => `ip:${ip}`;

export async function signIn(deps: SessionDeps, input: { email: string; password: string; ip: string }): Promise<SignInResult> {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email) ?? input.email.trim().toLowerCase().slice(0, 254);
  const keys = [accountKey(email), addressKey(input.ip)];
  const since = now - THROTTLE.windowMs;
  for (const r of await deps.stores.throttle.get(keys)) {
    const live = r.windowStart > since;
    let until = 0;
    if (r.key.startsWith('acct:') && r.lockedUntil !== null && r.lockedUntil > now) until = r.lockedUntil;
    if (r.key.startsWith('ip:') && live && r.failures >= THROTTLE.addressFailures) until = r.windowStart + THROTTLE.windowMs;
    if (until > now) return { ok: false, reason: 'throttled', retryAfterSeconds: Math.ceil((until - now) / 1000) };
  }

  const user = await deps.stores.users.getByEmail(email);
  // The same scrypt cost whether or not the account exists, so timing does not reveal accounts.
  const stored = user?.passwordHash ?? (await decoyHash());
  const { ok, stale } = await verifyPassword(input.password, stored);
  if (!ok || !user || user.status !== 'active' || user.passwordHash === null) {
    const account = await deps.stores.throttle.recordFailure(accountKey(email), now, since);
    await deps.stores.throttle.recordFailure(addressKey(input.ip), now, since);
    if (account.failures >= THROTTLE.accountFailures) {
      const lockMs = Math.min(THROTTLE.baseLockMs * 2 ** (account.failures - THROTTLE.accountFailures), THROTTLE.maxLockMs);
      await deps.stores.throttle.lock(accountKey(email), now + lockMs);
    }
    return { ok: false, reason: 'invalid' };
  }
  await deps.stores.throttle.clear(accountKey(email));
  if (stale) await deps.stores.users.update(user.id, { passwordHash: await hashPassword(input.password), updatedAt: now });
  const sessionToken = `${SESSION_PREFIX}${deps.random.token(32)}`;
  await deps.stores.sessions.create({ hash: deps.hasher.hash(sessionToken), userId: user.id, createdAt: now, lastSeenAt: now, expiresAt: now + deps.config.sessionTtl * 1000 });
  await appendAudit(deps.stores, deps.random, now, { actor: `user:${user.id}`, action: 'user.signed_in', target: { type: 'user', id: user.id } });
  return { ok: true, user, sessionToken };
}

/** The signed-in user of a session cookie, or null. Activity slides the expiry (at most once a minute). */
export async function sessionUser(deps: SessionDeps, token: string | undefined): Promise<User | null> {
  if (!token || !token.startsWith(SESSION_PREFIX) || token.length > 100) return null;
  const hash = deps.hasher.hash(token);
  const session = await deps.stores.sessions.get(hash);
  const now = deps.clock.now();
  if (!session) return null;
  if (session.expiresAt <= now) {
    await deps.stores.sessions.delete(hash);
    return null;
  }
  const user = await deps.stores.users.get(session.userId);
  if (!user || user.status !== 'active') return null;
  if (now - session.lastSeenAt > 60_000) await deps.stores.sessions.touch(hash, now, now + deps.config.sessionTtl * 1000);
  return user;
}

export async function signOut(deps: SessionDeps, token: string | undefined): Promise<void> {
  if (token) await deps.stores.sessions.delete(deps.hasher.hash(token));
}

/**
 * CSRF tokens (OWASP "signed double-submit cookie"): the form carries an HMAC of a random HttpOnly
 * cookie and of the session, so a page on another site can neither read nor forge it, and a token
 * from before sign-in does not work after it.
 */
export function csrfToken(hasher: Hasher, csrfCookie: string, sessionToken: string | undefined): string {
  return hasher.hash(`csrf|${csrfCookie}|${sessionToken ?? ''}`);
}

export function csrfValid(hasher: Hasher, presented: string | undefined, csrfCookie: string | undefined, sessionToken: string | undefined): boolean {
  if (!presented || !csrfCookie) return false;
  return hasher.matches(`csrf|${csrfCookie}|${sessionToken ?? ''}`, presented);
}
