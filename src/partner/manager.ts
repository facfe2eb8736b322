/**
 * The token manager: an access token for an installation when the partner needs one, refreshed with
 * the stored refresh token (RFC 6749 §6) at most once per expiry, however many calls and processes ask.
 *
 * - Cache hit: a Map lookup and a clock read, no I/O.
 * - Otherwise: one refresh per installation in this process (single-flight: callers share a promise),
 *   and one across the processes sharing the store: the refresh runs under the store's lock
 *   (SQLite: a lease row; PostgreSQL: pg_try_advisory_xact_lock), the others poll the row meanwhile,
 *   and the store is read again once the lock is held, so a process that waited uses the token the
 *   holder just stored instead of presenting a refresh token that was rotated meanwhile. With one-time refresh tokens (RFC 9700 §4.14.2, seed
 *   004) presenting it would be reuse: Grantry would revoke the whole family.
 * - The new refresh token (rotate) is written and committed before the new access token is returned,
 *   and a response without refresh_token keeps the old one (the reuse policy; RFC 6749 §5.1 makes it
 *   optional, §6 "MAY issue a new refresh token").
 */
import { InstallationRevokedError, LockTimeoutError, PartnerError, TokenRequestError, UnknownInstallationError } from './errors.js';
import { defaultLogger, errorFields, scrub, type PartnerLogger } from './log.js';
import type { LockedInstallation, StoredInstallation, TokenStore } from './store.js';

type FetchLike = typeof globalThis.fetch;

export interface TokenManagerOptions {
  /** Grantry's issuer, e.g. https://auth.platform.example (its RFC 8414 metadata names the token endpoint). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  store: TokenStore;
  /** Skips discovery (RFC 8414) and posts here. */
  tokenEndpoint?: string;
  /** RFC 6749 §2.3.1: HTTP Basic (default) or client_id/client_secret in the body. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** `form` (application/x-www-form-urlencoded, RFC 6749 §6; default) or `json` (seed 002's JSON body). */
  bodyEncoding?: 'form' | 'json';
  /** An access token is renewed this long before it expires, at most a tenth of its lifetime (default 30 s). */
  refreshMarginSeconds?: number;
  /** Attempts of one refresh on 429, 5xx and connection failures before sending (default 4). */
  maxAttempts?: number;
  /** Longest wait between attempts; a Retry-After longer than this ends the retries (default 30 s). */
  maxRetryDelayMs?: number;
  /**
   * Per token request (default 30 s). Generous on purpose: a refresh abandoned by the client may still
   * rotate the token on the server, and the new one would then be lost.
   */
  requestTimeoutMs?: number;
  /** How long to wait for another process's refresh of the same installation (default 60 s). */
  lockTimeoutMs?: number;
  fetch?: FetchLike;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
  logger?: PartnerLogger;
  /** Called after each refresh this process made (metrics). */
  onRefresh?: (info: { installationId: string; rotated: boolean; attempts: number; durationMs: number }) => void;
}

export interface TokenManager {
  /** An access token for the installation (`installation_id` of its webhook), valid for a while yet. */
  getAccessToken(installationId: string): Promise<string>;
  /**
   * fetch() with `Authorization: Bearer <access token>`. A 401 whose WWW-Authenticate says
   * error="invalid_token" (RFC 6750 §3.1: revoked, expired, superseded) forces one refresh and one retry.
   */
  fetch(installationId: string, input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Waits for refreshes in flight and forgets cached tokens. The store stays open (close it yourself). */
  close(): Promise<void>;
}

interface Cached {
  token: string;
  /** When to stop using it from the cache (expiry minus the margin). */
  refreshAt: number;
}

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms; null when absent or invalid. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** How often a process waiting for another's refresh tries the lock itself (it reads the row more often). */
const LOCK_RETRY_MS = 250;

/** Connection errors that mean the request never reached the server, so sending it again is safe. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** RFC 6750 §3.1: the resource server says the token itself is bad (expired, revoked, malformed). */
const invalidToken = (challenge: string | null): boolean => challenge !== null && /^\s*bearer\b/i.test(challenge) && /\berror\s*=\s*"?invalid_token"?/i.test(challenge);

/** A body fetch can send twice (a stream is consumed by the first send). */
const replayable = (body: RequestInit['body']): boolean => body === undefined || body === null || !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { store, clientId, clientSecret } = options;
  const issuer = options.issuer.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((...args) => globalThis.fetch(...args));
  const now = options.now ?? Date.now;
  const log = options.logger ?? defaultLogger;
  const marginMs = (options.refreshMarginSeconds ?? 30) * 1000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  const authMethod = options.tokenEndpointAuthMethod ?? 'client_secret_basic';
  const encoding = options.bodyEncoding ?? 'form';

  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<string>>();
  let endpoint: Promise<string> | null = options.tokenEndpoint ? Promise.resolve(options.tokenEndpoint) : null;
  // A webhook received through the same store object in this process (uninstall, new credentials)
  // ends the cached access token at once.
  const unsubscribe = store.subscribe?.((id) => cache.delete(id));

  /** Renewed at expiry minus the margin, the margin at most a tenth of the token's lifetime. */
  const refreshAtOf = (expiresAt: number, issuedAt: number | null): number => expiresAt - Math.min(marginMs, Math.max(0, expiresAt - (issuedAt ?? expiresAt - 10 * marginMs)) / 10);

  /** The stored access token when it is still good to use (and not the one a resource server just refused). */
  function usable(r: StoredInstallation, refused: string | undefined): Cached | null {
    if (r.status !== 'active' || !r.accessToken || r.accessTokenExpiresAt === null || r.accessToken === refused) return null;
    const refreshAt = refreshAtOf(r.accessTokenExpiresAt, r.accessTokenIssuedAt);
    return now() < refreshAt ? { token: r.accessToken, refreshAt } : null;
  }

  function gone(id: string, r: StoredInstallation | null): Error | null {
    if (!r) return new UnknownInstallationError(id);
    if (r.status === 'deleted') return new InstallationRevokedError(id, 'uninstalled');
    if (r.status === 'revoked' || !r.refreshToken) return new InstallationRevokedError(id, 'revoked');
    return null;
  }

  /** RFC 8414 §3: the token endpoint from the metadata, whose issuer must be ours (§3.3). */
  function tokenEndpoint(): Promise<string> {
    return (endpoint ??= (async () => {
      const res = await doFetch(`${issuer}/.well-known/oauth-authorization-server`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(requestTimeoutMs) });
      if (!res.ok) throw new PartnerError(`discovery: ${issuer}/.well-known/oauth-authorization-server answered ${res.status}`);
      const meta = (await res.json()) as { issuer?: unknown; token_endpoint?: unknown };
      if (typeof meta.issuer !== 'string' || meta.issuer.replace(/\/+$/, '') !== issuer) throw new PartnerError(`discovery: the metadata's issuer is not ${issuer} (RFC 8414 §3.3)`);
      if (typeof meta.token_endpoint !== 'string') throw new PartnerError('discovery: the metadata has no token_endpoint');
      return meta.token_endpoint;
    })().catch((err: unknown) => {
      endpoint = null; // the next refresh tries again
      throw err;
    }));
  }

  function requestInit(refreshToken: string): RequestInit {
    const params: Record<string, string> = { grant_type: 'refresh_token', refresh_token: refreshToken };
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: each part form-urlencoded before the Basic encoding.
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    } else {
      params.client_id = clientId;
      params.client_secret = clientSecret;
    }
    if (encoding === 'json') return { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(params) };
    return { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() };
  }

  /**
   * The refresh request, retried on 429 and 5xx answers and on connection failures before sending,
   * with exponential backoff and full jitter, waiting at least Retry-After (RFC 6585 §4, RFC 9110
   * §10.2.3). Grantry answers 429/5xx before its rotation commits, so the same refresh token is still
   * the current one. Timeouts and resets are not retried here (see below); docs/partners.md recommends a
   * grace period for rotating apps, which makes presenting a token twice after a lost answer safe.
   */
  async function requestTokens(id: string, refreshToken: string): Promise<{ answer: TokenAnswer; attempts: number }> {
    const url = await tokenEndpoint();
    const secrets = [refreshToken, clientSecret];
    let last: TokenRequestError | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let res: Response;
      try {
        res = await doFetch(url, { ...requestInit(refreshToken), signal: AbortSignal.timeout(requestTimeoutMs) });
      } catch (err) {
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        const cause = typeof code === 'string' ? code : (err as Error).name;
        last = new TokenRequestError(`token request failed (${cause}): ${errorFields(err, secrets).message}`, id, null, null);
        // Only a request that cannot have reached Grantry is sent again. After a timeout or a reset the
        // request may still be processed (or was): a second one racing it would present a refresh token
        // that is being spent, which is reuse without a grace period. The error goes to the caller; the
        // next call presents the same token once more, which a grace period turns into the same answer.
        if (!NOT_SENT.has(cause)) throw last;
        if (attempt < maxAttempts) await sleep(backoff(attempt));
        continue;
      }
      if (res.ok) {
        const body = (await res.json().catch(() => null)) as Partial<TokenAnswer> | null;
        if (!body || typeof body.access_token !== 'string' || (body.refresh_token !== undefined && typeof body.refresh_token !== 'string')) throw new TokenRequestError('the token endpoint answered 200 without an access_token', id, res.status, null);
        // RFC 6749 §5.1: expires_in is RECOMMENDED; without it, assume the shortest lifetime Grantry issues.
        const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
        return { answer: { access_token: body.access_token, expires_in: expiresIn, ...(body.refresh_token ? { refresh_token: body.refresh_token } : {}) }, attempts: attempt };
      }
      const text = await res.text().catch(() => '');
      let error: string | null = null;
      let description: string | undefined;
      try {
        const parsed = JSON.parse(text) as { error?: unknown; error_description?: unknown };
        if (typeof parsed.error === 'string') error = parsed.error;
        if (typeof parsed.error_description === 'string') description = scrub(parsed.error_description, secrets);
      } catch {
        // Not an RFC 6749 §5.2 error body.
      }
      // RFC 6749 §5.2: the refresh token is invalid, expired, revoked or was issued to another client.
      if (error === 'invalid_grant') throw new InstallationRevokedError(id, 'invalid_grant', description);
      last = new TokenRequestError(`the token endpoint answered ${res.status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`, id, res.status, error);
      if (res.status !== 429 && res.status < 500) throw last;
      if (attempt === maxAttempts) break;
      const after = retryAfterMs(res.headers.get('retry-after'), now());
      if (after !== null && after > maxRetryDelayMs) break; // told to come back later than we are prepared to wait
      await sleep(Math.max(after ?? 0, backoff(attempt)));
    }
    throw last ?? new TokenRequestError('token request failed', id, null, null);
  }

  const backoff = (attempt: number): number => Math.random() * Math.min(maxRetryDelayMs, 250 * 2 ** (attempt - 1));

  /**
   * A token another process stored after this one started waiting (the row's revision moved): taken as
   * long as it has not expired, even inside the renewal margin. Otherwise, when the token endpoint is
   * slower than the margin, every waiter would find the new token "due" and refresh once more itself.
   */
  function storedSince(r: StoredInstallation, revision: number, refused: string | undefined): Cached | null {
    if (r.revision === revision || r.status !== 'active' || !r.accessToken || r.accessTokenExpiresAt === null || r.accessToken === refused) return null;
    return now() < r.accessTokenExpiresAt ? { token: r.accessToken, refreshAt: refreshAtOf(r.accessTokenExpiresAt, r.accessTokenIssuedAt) } : null;
  }

  /** Under the lock: the store again, then a refresh only if still needed. */
  async function refreshLocked(id: string, locked: LockedInstallation, refused: string | undefined, seenRevision: number): Promise<Cached> {
    for (let round = 0; ; round++) {
      const r = await locked.read();
      const problem = gone(id, r);
      if (problem) throw problem;
      // Another process refreshed while this one waited for the lock.
      const fresh = usable(r!, refused) ?? storedSince(r!, seenRevision, refused);
      if (fresh) return fresh;
      const started = now();
      let result: Awaited<ReturnType<typeof requestTokens>>;
      try {
        result = await requestTokens(id, r!.refreshToken!);
      } catch (err) {
        if (err instanceof InstallationRevokedError) {
          // Remembered, so later calls fail at once instead of asking Grantry again. Should a webhook have
          // replaced the credentials meanwhile (the compare-and-set fails), try with those.
          if (await locked.markRevoked(r!.revision, now())) throw err;
          if (round < 2) continue;
        }
        throw err;
      }
      const { answer } = result;
      const issuedAt = started;
      const tokens = {
        refreshToken: answer.refresh_token ?? r!.refreshToken!,
        accessToken: answer.access_token,
        accessTokenExpiresAt: issuedAt + answer.expires_in * 1000,
        accessTokenIssuedAt: issuedAt,
      };
      // Committed before the access token is handed out: a crash after this line loses nothing.
      const saved = await locked.saveTokens(r!.revision, tokens, now());
      options.onRefresh?.({ installationId: id, rotated: answer.refresh_token !== undefined && answer.refresh_token !== r!.refreshToken, attempts: result.attempts, durationMs: now() - started });
      if (saved) return { token: tokens.accessToken, refreshAt: refreshAtOf(tokens.accessTokenExpiresAt, issuedAt) };
      // A webhook (INSTALLATION.UPDATE or .DELETE) changed the installation during the refresh: its
      // credentials are newer and win; read them on the next round.
      log('info', 'credentials changed by a webhook during a refresh; using the new ones', { installation_id: id });
      refused = undefined;
      if (round >= 2) throw new PartnerError(`installation ${id} kept changing during its refresh`);
    }
  }

  /**
   * Takes the lock and refreshes, or, while another process holds it, polls the row until that
   * process's token is there (or the lock is free again, when it failed).
   */
  async function refreshOrWait(id: string, refused: string | undefined, seenRevision: number): Promise<Cached> {
    const deadline = Date.now() + lockTimeoutMs;
    let wait = 5;
    let lastTry = 0;
    for (;;) {
      if (Date.now() - lastTry >= LOCK_RETRY_MS) {
        lastTry = Date.now();
        const attempt = await store.tryWithLock(id, (locked) => refreshLocked(id, locked, refused, seenRevision));
        if (attempt.acquired) return attempt.value;
      }
      if (Date.now() >= deadline) throw new LockTimeoutError(id, lockTimeoutMs);
      // The holder is one HTTP round trip from done: look at the row again soon, then back off, with
      // jitter. The row is one cheap read; the lock is tried again only now and then (on PostgreSQL a
      // try is a pooled connection and a transaction), for the case where the holder failed.
      await sleep(wait * (0.5 + Math.random()));
      wait = Math.min(wait * 2, 100);
      const r = await store.get(id);
      const problem = gone(id, r);
      if (problem) throw problem;
      const fresh = usable(r!, refused) ?? storedSince(r!, seenRevision, refused);
      if (fresh) return fresh;
    }
  }

  /** The slow path: single-flight in this process, store lock across processes. */
  function refresh(id: string, refused?: string): Promise<string> {
    const pending = inFlight.get(id);
    if (pending) return refused === undefined ? pending : pending.then((t) => (t === refused ? refresh(id, refused) : t));
    const flight = (async () => {
      // Without the lock first: most of the time another process has already stored a fresh token.
      const r = await store.get(id);
      const problem = gone(id, r);
      if (problem) throw problem;
      const next = usable(r!, refused) ?? (await refreshOrWait(id, refused, r!.revision));
      cache.set(id, next);
      return next.token;
    })();
    inFlight.set(id, flight);
    const clear = () => {
      if (inFlight.get(id) === flight) inFlight.delete(id);
    };
    flight.then(clear, (err: unknown) => {
      clear();
      if (err instanceof InstallationRevokedError || err instanceof UnknownInstallationError) cache.delete(id);
    });
    return flight;
  }

  async function getAccessToken(id: string): Promise<string> {
    const c = cache.get(id);
    if (c !== undefined && now() < c.refreshAt) return c.token;
    return refresh(id);
  }

  return {
    getAccessToken,
    async fetch(id, input, init = {}) {
      const send = async (token: string, request: string | URL | Request) => {
        const headers = new Headers(request instanceof Request ? request.headers : undefined);
        new Headers(init.headers).forEach((v, k) => headers.set(k, v));
        headers.set('authorization', `Bearer ${token}`);
        return doFetch(request, { ...init, headers });
      };
      const spare = input instanceof Request ? input.clone() : input;
      const token = await getAccessToken(id);
      const first = await send(token, input);
      if (first.status !== 401 || !invalidToken(first.headers.get('www-authenticate')) || !replayable(init.body)) return first;
      await first.body?.cancel().catch(() => {});
      // The token was refused: revoked, expired early, or superseded by another process's refresh.
      cache.delete(id);
      return send(await refresh(id, token), spare);
    },
    async close() {
      unsubscribe?.();
      await Promise.allSettled([...inFlight.values()]);
      cache.clear();
    },
  };
}
