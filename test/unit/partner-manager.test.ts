import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTokenManager,
  InstallationRevokedError,
  memoryStore,
  sqliteStore,
  TokenRequestError,
  UnknownInstallationError,
  type TokenStore,
} from '../../src/partner/index.js';

const ISSUER = 'https://grantry.test';
const CLIENT = { clientId: 'cli_partner', clientSecret: `sec_${randomBytes(16).toString('hex')}` };

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/**
 * A token endpoint with one-time refresh tokens (rotate) or reusable ones (reuse); `script` answers
 * before the grant logic when it returns a Response. Presenting a spent token is reuse: invalid_grant.
 */
function fakeGrantry(policy: 'rotate' | 'reuse' = 'rotate', firstRefresh = 'grt_0') {
  const live = new Set([firstRefresh]);
  const requests: Seen[] = [];
  let n = 0;
  let reuse = 0;
  let script: ((req: Seen) => Response | null) | null = null;
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const req: Seen = { url, method: init.method ?? 'GET', headers: new Headers(init.headers), body: typeof init.body === 'string' ? init.body : '' };
    requests.push(req);
    if (url === `${ISSUER}/.well-known/oauth-authorization-server`) return Response.json({ issuer: ISSUER, token_endpoint: `${ISSUER}/oauth/token` });
    const scripted = script?.(req);
    if (scripted) return scripted;
    const params = req.headers.get('content-type') === 'application/json' ? (JSON.parse(req.body) as Record<string, string>) : Object.fromEntries(new URLSearchParams(req.body));
    const presented = params.refresh_token!;
    if (!live.has(presented)) {
      reuse++;
      return Response.json({ error: 'invalid_grant', error_description: 'the refresh token is invalid, expired or revoked' }, { status: 400 });
    }
    n++;
    const body: Record<string, unknown> = { access_token: `at_${n}`, token_type: 'Bearer', expires_in: 60 };
    if (policy === 'rotate') {
      live.delete(presented);
      live.add(`grt_${n}`);
      body.refresh_token = `grt_${n}`;
    }
    return Response.json(body);
  };
  return {
    fetch,
    requests,
    tokenRequests: () => requests.filter((r) => r.url.endsWith('/oauth/token')),
    reuse: () => reuse,
    revokeAll: () => live.clear(),
    setScript: (fn: typeof script) => (script = fn),
  };
}

async function seeded(store: TokenStore, id = 'ins_1', at = 1_000_000, access: string | null = null): Promise<void> {
  await store.receive(`msg_${id}`, {
    kind: 'credentials',
    installationId: id,
    credentialsVersion: 1,
    refreshToken: 'grt_0',
    accessToken: access,
    accessTokenExpiresAt: access ? at + 300_000 : null,
    accessTokenIssuedAt: access ? at : null,
    organizationId: 'org_m',
    clientId: CLIENT.clientId,
    scopes: ['payments:read'],
  }, { now: at, completed: true });
}

const quiet = () => {};

describe('createTokenManager', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup) await fn();
  });

  it('uses the webhook access token, then refreshes once per expiry (cache hits in between); the rotated refresh token is stored before the access token is returned', async () => {
    const g = fakeGrantry();
    const store = memoryStore();
    let t = 1_000_000;
    await seeded(store, 'ins_1', t, 'at_webhook');
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch: g.fetch, now: () => t, logger: quiet });
    expect(await m.getAccessToken('ins_1')).toBe('at_webhook');
    t += 200_000;
    expect(await m.getAccessToken('ins_1')).toBe('at_webhook');
    expect(g.tokenRequests()).toHaveLength(0);
    // 300 s token: renewed 30 s before expiry (a tenth of its lifetime, at most 30 s).
    t += 75_000;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => m.getAccessToken('ins_1')));
    expect(new Set(tokens)).toEqual(new Set(['at_1']));
    expect(await store.get('ins_1')).toMatchObject({ refreshToken: 'grt_1', accessToken: 'at_1' });
    // RFC 6749 §2.3.1 Basic, form body, grant_type=refresh_token, discovered endpoint.
    const [req] = g.tokenRequests();
    expect(req!.headers.get('authorization')).toBe(`Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'grt_0' });
    // 60 s token: renewed after 54 s.
    t += 53_000;
    expect(await m.getAccessToken('ins_1')).toBe('at_1');
    t += 2_000;
    expect(await m.getAccessToken('ins_1')).toBe('at_2');
    expect(g.tokenRequests()).toHaveLength(2);
    expect(g.requests.filter((r) => r.url.includes('.well-known'))).toHaveLength(1);
    expect(g.reuse()).toBe(0);
    await m.close();
  });

  it('a webhook through the same store drops the cached token at once (uninstall, new credentials)', async () => {
    const g = fakeGrantry();
    const store = memoryStore();
    await seeded(store, 'ins_1', Date.now(), 'at_webhook');
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch: g.fetch, logger: quiet });
    expect(await m.getAccessToken('ins_1')).toBe('at_webhook');
    await store.receive('upd', { kind: 'credentials', installationId: 'ins_1', credentialsVersion: 2, refreshToken: 'grt_0', accessToken: 'at_update', accessTokenExpiresAt: Date.now() + 300_000, accessTokenIssuedAt: Date.now(), organizationId: null, clientId: null, scopes: [] }, { now: Date.now(), completed: true });
    expect(await m.getAccessToken('ins_1')).toBe('at_update');
    await store.receive('del', { kind: 'delete', installationId: 'ins_1' }, { now: Date.now(), completed: true });
    await expect(m.getAccessToken('ins_1')).rejects.toMatchObject({ name: 'InstallationRevokedError', reason: 'uninstalled' });
    expect(g.tokenRequests()).toHaveLength(0);
  });

  it('reuse policy: an answer without refresh_token keeps the stored one', async () => {
    const g = fakeGrantry('reuse');
    const store = memoryStore();
    let t = 1_000_000;
    await seeded(store);
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch: g.fetch, now: () => t, logger: quiet });
    expect(await m.getAccessToken('ins_1')).toBe('at_1');
    t += 120_000;
    expect(await m.getAccessToken('ins_1')).toBe('at_2');
    expect((await store.get('ins_1'))!.refreshToken).toBe('grt_0');
  });

  it('client_secret_post and a JSON body (seed 002), with a configured token endpoint (no discovery)', async () => {
    const g = fakeGrantry();
    const store = memoryStore();
    await seeded(store);
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch: g.fetch, tokenEndpoint: `${ISSUER}/oauth/token`, tokenEndpointAuthMethod: 'client_secret_post', bodyEncoding: 'json', logger: quiet });
    expect(await m.getAccessToken('ins_1')).toBe('at_1');
    const [req] = g.requests;
    expect(g.requests).toHaveLength(1);
    expect(req!.headers.get('authorization')).toBeNull();
    expect(JSON.parse(req!.body)).toEqual({ grant_type: 'refresh_token', refresh_token: 'grt_0', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
  });

  it('invalid_grant: InstallationRevokedError, remembered in the store; unknown and uninstalled installations', async () => {
    const g = fakeGrantry();
    const store = memoryStore();
    await seeded(store);
    g.revokeAll();
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch: g.fetch, logger: quiet });
    const err = await m.getAccessToken('ins_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallationRevokedError);
    expect(err).toMatchObject({ installationId: 'ins_1', reason: 'invalid_grant' });
    expect(String((err as Error).message)).not.toContain('grt_0');
    expect((await store.get('ins_1'))!.status).toBe('revoked');
    await expect(m.getAccessToken('ins_1')).rejects.toBeInstanceOf(InstallationRevokedError);
    expect(g.tokenRequests()).toHaveLength(1);
    await expect(m.getAccessToken('ins_never')).rejects.toBeInstanceOf(UnknownInstallationError);
    await store.receive('del', { kind: 'delete', installationId: 'ins_1' }, { now: 1, completed: true });
    await expect(m.getAccessToken('ins_1')).rejects.toMatchObject({ reason: 'uninstalled' });
  });

  it('backs off on 429 and 5xx, waiting at least Retry-After; gives up on a Retry-After beyond its limit; never retries a 400/401', async () => {
    const g = fakeGrantry();
    const store = memoryStore();
    await seeded(store);
    let n = 0;
    g.setScript(() => (++n === 1 ? new Response('{"error":"slow_down"}', { status: 429, headers: { 'retry-after': '1' } }) : n === 2 ? new Response('oops', { status: 503 }) : null));
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch: g.fetch, logger: quiet });
    const started = Date.now();
    expect(await m.getAccessToken('ins_1')).toBe('at_1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(g.tokenRequests()).toHaveLength(3);

    const s2 = memoryStore();
    await seeded(s2);
    g.setScript(() => new Response('', { status: 429, headers: { 'retry-after': '3600' } }));
    const m2 = createTokenManager({ issuer: ISSUER, ...CLIENT, store: s2, fetch: g.fetch, logger: quiet });
    await expect(m2.getAccessToken('ins_1')).rejects.toMatchObject({ name: 'TokenRequestError', status: 429 });

    g.setScript(() => Response.json({ error: 'invalid_client' }, { status: 401 }));
    const before = g.tokenRequests().length;
    const err = await m2.getAccessToken('ins_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect(err).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(g.tokenRequests().length - before).toBe(1);
    expect(JSON.stringify(err) + String(err)).not.toContain(CLIENT.clientSecret);
  });

  it('a timeout is not retried (the request may still rotate the token on the server)', async () => {
    const store = memoryStore();
    await seeded(store);
    let calls = 0;
    const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
      if (String(input).includes('.well-known')) return Response.json({ issuer: ISSUER, token_endpoint: `${ISSUER}/oauth/token` });
      calls++;
      return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    };
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch, requestTimeoutMs: 100, logger: quiet });
    await expect(m.getAccessToken('ins_1')).rejects.toBeInstanceOf(TokenRequestError);
    expect(calls).toBe(1);
  });

  it('two managers on one SQLite file (as two processes): 100 concurrent calls, one refresh, no reuse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'partner-mgr-'));
    const key = randomBytes(32);
    const a = sqliteStore({ path: join(dir, 'p.db'), key });
    const b = sqliteStore({ path: join(dir, 'p.db'), key });
    cleanup.push(async () => {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await seeded(a);
    const g = fakeGrantry();
    // A slow token endpoint, so that the other "process" really waits.
    const slow = async (i: string | URL | Request, init?: RequestInit) => {
      await new Promise((r) => setTimeout(r, 50));
      return g.fetch(i, init);
    };
    const ma = createTokenManager({ issuer: ISSUER, ...CLIENT, store: a, fetch: slow, logger: quiet });
    const mb = createTokenManager({ issuer: ISSUER, ...CLIENT, store: b, fetch: slow, logger: quiet });
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? ma : mb).getAccessToken('ins_1')));
    expect(new Set(tokens)).toEqual(new Set(['at_1']));
    expect(g.tokenRequests()).toHaveLength(1);
    expect(g.reuse()).toBe(0);
  });

  it('fetch(): bearer header; a 401 invalid_token forces one refresh and one retry; other 401s are returned as is', async () => {
    const g = fakeGrantry();
    const store = memoryStore();
    await seeded(store, 'ins_1', Date.now(), 'at_webhook');
    const seenByApi: string[] = [];
    const api = async (input: string | URL | Request, init: RequestInit = {}) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith('https://api.test')) return g.fetch(input, init);
      const auth = new Headers(init.headers).get('authorization') ?? '';
      seenByApi.push(`${auth} ${init.method ?? 'GET'} ${typeof init.body === 'string' ? init.body : ''} ${new Headers(init.headers).get('x-trace') ?? ''}`);
      if (auth === 'Bearer at_webhook') return new Response('{}', { status: 401, headers: { 'www-authenticate': 'Bearer realm="payments", error="invalid_token", error_description="revoked"' } });
      if (url.endsWith('/nope')) return new Response('{}', { status: 401, headers: { 'www-authenticate': 'Bearer realm="payments"' } });
      return Response.json({ ok: true });
    };
    const m = createTokenManager({ issuer: ISSUER, ...CLIENT, store, fetch: api, logger: quiet });
    const res = await m.fetch('ins_1', 'https://api.test/payments', { method: 'POST', body: '{"amount":1}', headers: { 'x-trace': 't1' } });
    expect(res.status).toBe(200);
    expect(seenByApi).toEqual(['Bearer at_webhook POST {"amount":1} t1', 'Bearer at_1 POST {"amount":1} t1']);
    expect(g.tokenRequests()).toHaveLength(1);
    const other = await m.fetch('ins_1', 'https://api.test/nope');
    expect(other.status).toBe(401);
    expect(g.tokenRequests()).toHaveLength(1);
    expect(seenByApi.at(-1)).toMatch(/^Bearer at_1 GET/);
  });
});
