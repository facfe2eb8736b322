import { createPublicKey, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  VerifierUnavailableError,
  VerifyError,
  cacheLifetime,
  createVerifier,
  expressRequireScopes,
  fastifyRequireScopes,
  scopesOf,
  type AccessTokenClaims,
  type AsymmetricAlg,
  type VerifierOptions,
} from '../../src/verify/index.js';

const ISSUER = 'https://auth.example.test';
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface IssuerKey {
  kid: string;
  alg: AsymmetricAlg;
  privateKey: PrivateKey;
  jwk: JWK;
}

async function newKey(alg: AsymmetricAlg = 'RS256'): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A fake Grantry: a JWKS endpoint and an introspection endpoint behind an injected fetch. */
class FakeIssuer {
  published: IssuerKey[] = [];
  jwksCalls = 0;
  introspectCalls: { authorization: string | null; contentType: string | null; body: string }[] = [];
  /** What the JWKS endpoint does: serve the keys, answer 500, fail at the network level, or send garbage. */
  jwksMode: 'ok' | '500' | 'down' | 'garbage' | 'empty' = 'ok';
  cacheControl: string | null = 'public, max-age=300';
  revoked = new Set<string>();
  introspectStatus = 200;

  fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const url = new URL(input);
    if (url.pathname === '/.well-known/jwks.json') {
      this.jwksCalls++;
      switch (this.jwksMode) {
        case 'down':
          throw new TypeError('fetch failed');
        case '500':
          return new Response('{"error":"server_error"}', { status: 500 });
        case 'garbage':
          return new Response('<html>maintenance</html>', { status: 200, headers: { 'content-type': 'text/html' } });
        case 'empty':
          return new Response('{"keys":[]}', { status: 200 });
      }
      const headers: Record<string, string> = { 'content-type': 'application/jwk-set+json' };
      if (this.cacheControl !== null) headers['cache-control'] = this.cacheControl;
      return new Response(JSON.stringify({ keys: this.published.map((k) => k.jwk) }), { status: 200, headers });
    }
    if (url.pathname === '/oauth/introspect' && init?.method === 'POST') {
      const headers = new Headers(init.headers);
      const body = String(init.body);
      this.introspectCalls.push({ authorization: headers.get('authorization'), contentType: headers.get('content-type'), body });
      if (this.introspectStatus !== 200) return new Response('{"error":"invalid_client"}', { status: this.introspectStatus });
      const token = new URLSearchParams(body).get('token') ?? '';
      const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}').jti;
      return Response.json(this.revoked.has(jti) ? { active: false } : { active: true, jti });
    }
    return new Response('not found', { status: 404 });
  };
}

let clock = T0;
const now = () => clock;
const nowS = () => Math.floor(clock / 1000);

async function sign(key: IssuerKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const body = {
    iss: ISSUER,
    sub: 'org_merchant',
    aud: 'payments',
    scope: 'payments:read payments:create',
    client_id: 'cli_acme',
    iat: nowS(),
    exp: nowS() + 3600,
    jti: randomUUID(),
    merchant_id: 'org_merchant',
    ...claims,
  };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete (body as Record<string, unknown>)[k];
  return new SignJWT(body).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header } as never).sign(key.privateKey);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function rejection(p: Promise<unknown>): Promise<VerifyError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VerifyError);
  return err as VerifyError;
}

describe('grantry/verify: createVerifier', () => {
  let issuer: FakeIssuer;
  let keyA: IssuerKey;
  const verifier = (extra: Partial<VerifierOptions> = {}) => createVerifier({ issuer: ISSUER, audience: 'payments', fetch: issuer.fetch, now, ...extra });

  beforeAll(async () => {
    keyA = await newKey('RS256');
  });
  afterEach(() => {
    clock = T0;
  });
  const fresh = () => {
    issuer = new FakeIssuer();
    issuer.published = [keyA];
    clock = T0;
  };

  it('accepts a valid token and returns its typed claims', async () => {
    fresh();
    const v = verifier();
    const claims: AccessTokenClaims = await v.verify(await sign(keyA, { installation_id: 'ins_1', grant_id: 'grt_1' }));
    expect(claims).toMatchObject({ iss: ISSUER, sub: 'org_merchant', aud: 'payments', client_id: 'cli_acme', merchant_id: 'org_merchant', installation_id: 'ins_1' });
    expect(scopesOf(claims)).toEqual(['payments:read', 'payments:create']);
    // A list audience containing ours, and the media-type form of typ (RFC 9068 §4), are fine too.
    await expect(v.verify(await sign(keyA, { aud: ['refunds', 'payments'] }))).resolves.toBeTruthy();
    await expect(v.verify(await sign(keyA, {}, { typ: 'application/at+jwt' }))).resolves.toBeTruthy();
    expect(issuer.jwksCalls).toBe(1);
  });

  it('accepts ES256 and EdDSA keys from the same set', async () => {
    fresh();
    const es = await newKey('ES256');
    const ed = await newKey('EdDSA');
    issuer.published = [keyA, es, ed];
    const v = verifier();
    await expect(v.verify(await sign(es))).resolves.toMatchObject({ sub: 'org_merchant' });
    await expect(v.verify(await sign(ed))).resolves.toMatchObject({ sub: 'org_merchant' });
    // The allow-list narrows: an EdDSA-only verifier refuses RS256.
    const edOnly = verifier({ algorithms: ['EdDSA'] });
    expect((await rejection(edOnly.verify(await sign(keyA)))).description).toMatch(/algorithm/);
  });

  it('refuses an expired token, beyond the clock tolerance only', async () => {
    fresh();
    const v = verifier();
    const err = await rejection(v.verify(await sign(keyA, { iat: nowS() - 3600, exp: nowS() - 31 })));
    expect(err.code).toBe('invalid_token');
    expect(err.status).toBe(401);
    expect(err.description).toBe('the token has expired');
    await expect(v.verify(await sign(keyA, { iat: nowS() - 3600, exp: nowS() - 29 }))).resolves.toBeTruthy();
    // A token without exp is refused (RFC 9068 §2.2).
    expect((await rejection(v.verify(await sign(keyA, { exp: undefined })))).description).toMatch(/"exp"/);
  });

  it('refuses a token that is not valid yet (nbf) or issued in the future (iat)', async () => {
    fresh();
    const v = verifier();
    expect((await rejection(v.verify(await sign(keyA, { nbf: nowS() + 120 })))).description).toBe('the token is not valid yet');
    expect((await rejection(v.verify(await sign(keyA, { iat: nowS() + 120 })))).description).toBe('the token is issued in the future');
    await expect(v.verify(await sign(keyA, { nbf: nowS() + 20, iat: nowS() + 20 }))).resolves.toBeTruthy();
  });

  it('refuses a wrong audience and a wrong issuer', async () => {
    fresh();
    const v = verifier();
    expect((await rejection(v.verify(await sign(keyA, { aud: 'refunds' })))).description).toBe('the token is not meant for this audience');
    expect((await rejection(v.verify(await sign(keyA, { aud: ['refunds', 'orders'] })))).description).toBe('the token is not meant for this audience');
    expect((await rejection(v.verify(await sign(keyA, { iss: 'https://evil.example' })))).description).toBe('the token was issued by another issuer');
    expect((await rejection(v.verify(await sign(keyA, { iss: `${ISSUER}/` })))).description).toBe('the token was issued by another issuer');
  });

  it('refuses a token whose typ is not at+jwt (an ID token, say)', async () => {
    fresh();
    const v = verifier();
    expect((await rejection(v.verify(await sign(keyA, {}, { typ: 'JWT' })))).description).toMatch(/typ must be at\+jwt/);
    expect((await rejection(v.verify(await sign(keyA, {}, { typ: undefined })))).description).toMatch(/typ must be at\+jwt/);
  });

  it('refuses alg none without fetching anything', async () => {
    fresh();
    const v = verifier();
    const payload = { iss: ISSUER, sub: 'x', aud: 'payments', client_id: 'c', iat: nowS(), exp: nowS() + 60, jti: 'j', scope: 'payments:create' };
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid: keyA.kid })}.${b64(payload)}.`;
    expect((await rejection(v.verify(unsigned))).code).toBe('invalid_token');
    const withJunkSignature = `${b64({ alg: 'none', typ: 'at+jwt', kid: keyA.kid })}.${b64(payload)}.AAAA`;
    expect((await rejection(v.verify(withJunkSignature))).description).toBe('the token algorithm is not accepted');
    expect(issuer.jwksCalls).toBe(0);
  });

  it('refuses an HS256 token whose HMAC key is the issuer public key, and refuses to be configured for HS*', async () => {
    fresh();
    const v = verifier();
    await v.verify(await sign(keyA));
    const pem = createPublicKey({ key: keyA.jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    for (const secret of [pem, JSON.stringify(keyA.jwk), keyA.jwk.n!]) {
      const forged = await new SignJWT({ iss: ISSUER, sub: 'attacker', aud: 'payments', client_id: 'c', iat: nowS(), exp: nowS() + 60, jti: 'j', scope: 'payments:create' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keyA.kid })
        .sign(new TextEncoder().encode(secret));
      expect((await rejection(v.verify(forged))).description).toBe('the token algorithm is not accepted');
    }
    expect(() => createVerifier({ issuer: ISSUER, audience: 'payments', algorithms: ['HS256' as AsymmetricAlg] })).toThrow(TypeError);
    // A key of the wrong type for the header alg is refused too (RS key, ES256 header).
    const es = await newKey('ES256');
    const mismatched = await sign({ ...es, kid: keyA.kid });
    expect((await rejection(v.verify(mismatched))).description).toMatch(/does not match its key/);
  });

  it('refuses a tampered signature', async () => {
    fresh();
    const v = verifier();
    const [h, , s] = (await sign(keyA)).split('.');
    const other = (await sign(keyA, { scope: 'payments:create payments:refund' })).split('.')[1];
    expect((await rejection(v.verify(`${h}.${other}.${s}`))).description).toBe('the token signature is invalid');
  });

  it('fetches the JWKS at most once per cooldown whatever attacker-chosen kids arrive', async () => {
    fresh();
    const v = verifier();
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(1);
    clock += 31_000;
    const forged = await Promise.all(Array.from({ length: 50 }, () => sign({ ...keyA, kid: randomUUID() })));
    // Concurrently, then one by one: one refetch in all.
    const errors = await Promise.all(forged.slice(0, 25).map((t) => rejection(v.verify(t))));
    for (const t of forged.slice(25)) errors.push(await rejection(v.verify(t)));
    expect(errors.every((e) => e.description === 'the signing key is unknown')).toBe(true);
    expect(issuer.jwksCalls).toBe(2);
    clock += 29_000;
    await rejection(v.verify(forged[0]!));
    expect(issuer.jwksCalls).toBe(2);
    // After the cooldown, one more.
    clock += 2_000;
    await rejection(v.verify(forged[1]!));
    await rejection(v.verify(forged[2]!));
    expect(issuer.jwksCalls).toBe(3);
    // Good tokens kept working throughout.
    await expect(v.verify(await sign(keyA))).resolves.toBeTruthy();
    expect(issuer.jwksCalls).toBe(3);
  });

  it('follows a key rotation while tokens are in flight', async () => {
    fresh();
    const keyB = await newKey('ES256');
    const v = verifier();
    const oldToken = await sign(keyA);
    await v.verify(oldToken);
    clock += 60_000;
    // The issuer publishes B and starts signing with it (a faster rotation than Grantry's, which
    // publishes a key for the JWKS max-age before it signs): B's kid is unknown, so one refetch.
    issuer.published = [keyA, keyB];
    const newToken = await sign(keyB);
    await expect(v.verify(newToken)).resolves.toBeTruthy();
    expect(issuer.jwksCalls).toBe(2);
    await expect(v.verify(oldToken)).resolves.toBeTruthy();
    // Grantry's order: C is published before it signs; the max-age expiry picks it up, no miss needed.
    const keyC = await newKey('EdDSA');
    issuer.published = [keyA, keyB, keyC];
    clock += 301_000;
    await v.verify(newToken);
    expect(issuer.jwksCalls).toBe(3);
    await expect(v.verify(await sign(keyC))).resolves.toBeTruthy();
    await expect(v.verify(oldToken)).resolves.toBeTruthy();
    expect(issuer.jwksCalls).toBe(3);
    // Once A leaves the set, its tokens stop verifying after the next fetch.
    issuer.published = [keyB, keyC];
    clock += 301_000;
    expect((await rejection(v.verify(await sign(keyA)))).description).toBe('the signing key is unknown');
  });

  it.each(['500', 'down', 'garbage', 'empty'] as const)('keeps the cached keys when the JWKS endpoint is %s', async (mode) => {
    fresh();
    const v = verifier();
    await v.verify(await sign(keyA));
    issuer.jwksMode = mode;
    clock += 301_000; // the cache has expired: a refetch is attempted, and fails
    await expect(v.verify(await sign(keyA))).resolves.toBeTruthy();
    expect(issuer.jwksCalls).toBe(2);
    // Failures are not retried on every request: once per cooldown.
    for (let i = 0; i < 10; i++) await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(2);
    clock += 31_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(3);
    // An unknown kid during the outage: invalid_token, not a crash, and the keys stay.
    clock += 31_000;
    await rejection(v.verify(await sign({ ...keyA, kid: 'unknown' })));
    await expect(v.verify(await sign(keyA))).resolves.toBeTruthy();
    issuer.jwksMode = 'ok';
    clock += 31_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(5);
  });

  it('answers VerifierUnavailableError (not invalid_token) when no JWKS was ever fetched', async () => {
    fresh();
    issuer.jwksMode = 'down';
    const v = verifier();
    const err = await v.verify(await sign(keyA)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifierUnavailableError);
    issuer.jwksMode = 'ok';
    clock += 1_000;
    await expect(v.verify(await sign(keyA))).resolves.toBeTruthy();
  });

  it('honours the Cache-Control max-age of the JWKS response', async () => {
    fresh();
    issuer.cacheControl = 'public, max-age=120';
    const v = verifier();
    await v.verify(await sign(keyA));
    clock += 119_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(1);
    clock += 2_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(2);
    // Without Cache-Control: 300 s.
    issuer.cacheControl = null;
    clock += 121_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(3);
    clock += 299_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(3);
    clock += 2_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(4);
    // no-store: the shortest lifetime (the cooldown), never every request.
    issuer.cacheControl = 'no-store';
    clock += 301_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(5);
    await v.verify(await sign(keyA));
    clock += 29_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(5);
    clock += 2_000;
    await v.verify(await sign(keyA));
    expect(issuer.jwksCalls).toBe(6);
  });

  it('parses Cache-Control', () => {
    expect(cacheLifetime('public, max-age=600')).toBe(600);
    expect(cacheLifetime('max-age="60"')).toBe(60);
    expect(cacheLifetime('no-cache, max-age=600')).toBe(0);
    expect(cacheLifetime('private')).toBeNull();
    expect(cacheLifetime('max-age=-1')).toBeNull();
    expect(cacheLifetime(null)).toBeNull();
  });

  it('introspection mode: active answers pass, inactive ones are refused, both cached for cacheSeconds', async () => {
    fresh();
    const v = verifier({ introspection: { clientId: 'rs client', clientSecret: 's3cret:+', cacheSeconds: 5 } });
    const jti = randomUUID();
    const token = await sign(keyA, { jti });
    await expect(v.verify(token)).resolves.toMatchObject({ jti });
    expect(issuer.introspectCalls).toHaveLength(1);
    const call = issuer.introspectCalls[0]!;
    // RFC 7662 §2.1: form body, client authentication (Basic, form-encoded parts per RFC 6749 §2.3.1).
    expect(call.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({ token, token_type_hint: 'access_token' });
    expect(Buffer.from(call.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe('rs+client:s3cret%3A%2B');

    // Revoked at the issuer: still accepted while the cached answer lives, refused after.
    issuer.revoked.add(jti);
    clock += 4_000;
    await expect(v.verify(token)).resolves.toBeTruthy();
    expect(issuer.introspectCalls).toHaveLength(1);
    clock += 1_500;
    const err = await rejection(v.verify(token));
    expect(err.description).toBe('the token has been revoked');
    expect(issuer.introspectCalls).toHaveLength(2);
    // The inactive answer is cached too.
    await rejection(v.verify(token));
    expect(issuer.introspectCalls).toHaveLength(2);
    clock += 5_500;
    await rejection(v.verify(token));
    expect(issuer.introspectCalls).toHaveLength(3);

    // Concurrent checks of one token share one call; JWT failures never reach the endpoint.
    const other = await sign(keyA);
    await Promise.all(Array.from({ length: 10 }, () => v.verify(other)));
    expect(issuer.introspectCalls).toHaveLength(4);
    await rejection(v.verify(await sign(keyA, { aud: 'refunds' })));
    expect(issuer.introspectCalls).toHaveLength(4);
  });

  it('introspection mode: an endpoint failure is VerifierUnavailableError, and is not cached', async () => {
    fresh();
    const v = verifier({ introspection: { clientId: 'rs', clientSecret: 'secret-value' } });
    issuer.introspectStatus = 401;
    const token = await sign(keyA);
    const err = await v.verify(token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifierUnavailableError);
    expect((err as Error).message).not.toContain('secret-value');
    issuer.introspectStatus = 200;
    await expect(v.verify(token)).resolves.toBeTruthy();
  });

  it('validates its options', () => {
    expect(() => createVerifier({ issuer: '', audience: 'payments' })).toThrow(TypeError);
    expect(() => createVerifier({ issuer: ISSUER, audience: 'payments', clockToleranceSeconds: 3600 })).toThrow(TypeError);
    expect(() => createVerifier({ issuer: ISSUER, audience: 'payments', algorithms: ['none' as AsymmetricAlg] })).toThrow(TypeError);
  });
});

describe('grantry/verify: middlewares (RFC 6750 §3)', () => {
  let issuer: FakeIssuer;
  let key: IssuerKey;
  beforeAll(async () => {
    key = await newKey('ES256');
  });
  const setup = () => {
    issuer = new FakeIssuer();
    issuer.published = [key];
    return createVerifier({ issuer: ISSUER, audience: 'payments', fetch: issuer.fetch, now });
  };

  /** The cases both frameworks must answer alike: [authorization header, status, WWW-Authenticate]. */
  async function cases(): Promise<[string | undefined, number, string | undefined][]> {
    return [
      [undefined, 401, 'Bearer realm="payments"'],
      ['Basic dXNlcjpwYXNz', 401, 'Bearer realm="payments"'],
      ['Bearer', 401, 'Bearer realm="payments", error="invalid_token", error_description="the Authorization header is not a valid Bearer credential"'],
      ['Bearer not-a-jwt', 401, 'Bearer realm="payments", error="invalid_token", error_description="the token is not a signed JWT"'],
      [`Bearer ${await sign(key, { exp: nowS() - 60, iat: nowS() - 120 })}`, 401, 'Bearer realm="payments", error="invalid_token", error_description="the token has expired"'],
      [`Bearer ${await sign(key, { scope: 'payments:read' })}`, 403, 'Bearer realm="payments", error="insufficient_scope", error_description="the token lacks the scope payments:create", scope="payments:create"'],
      [`bearer ${await sign(key, { scope: 'payments:create' })}`, 200, undefined],
    ];
  }

  it('fastifyRequireScopes: 401 bare challenge, 401 invalid_token, 403 insufficient_scope, claims on request.grantry', async () => {
    const v = setup();
    const app = Fastify();
    let handled = 0;
    // An async onSend hook delays the end of the response: the route handler must still not run.
    app.addHook('onSend', async (_req, _reply, payload) => {
      await new Promise((r) => setTimeout(r, 5));
      return payload;
    });
    app.post('/payments', { preHandler: fastifyRequireScopes(v, 'payments:create') }, async (request) => {
      handled++;
      return { merchant_id: request.grantry?.merchant_id };
    });
    app.get('/open', { onRequest: fastifyRequireScopes(v) }, async (request) => ({ sub: request.grantry!.sub }));
    for (const [authorization, status, challenge] of await cases()) {
      const res = await app.inject({ method: 'POST', url: '/payments', headers: authorization ? { authorization } : {} });
      expect([authorization?.slice(0, 12), res.statusCode]).toEqual([authorization?.slice(0, 12), status]);
      expect(res.headers['www-authenticate']).toBe(challenge);
      if (status === 200) expect(res.json()).toEqual({ merchant_id: 'org_merchant' });
      else {
        expect(res.headers['content-type']).toContain('application/json');
        expect(res.json()).toEqual({ error: expect.any(String), error_description: expect.any(String) });
        if (challenge?.includes('error=')) expect(res.json().error).toBe(/error="([^"]+)"/.exec(challenge)![1]);
      }
    }
    expect(handled).toBe(1);
    // No scopes required: any valid token, as an onRequest hook.
    const ok = await app.inject({ method: 'GET', url: '/open', headers: { authorization: `Bearer ${await sign(key, { scope: '' })}` } });
    expect(ok.json()).toEqual({ sub: 'org_merchant' });
    await app.close();
  });

  it('fastifyRequireScopes: 503 when the issuer cannot be reached', async () => {
    const v = setup();
    issuer.jwksMode = 'down';
    const app = Fastify();
    app.get('/payments', { onRequest: fastifyRequireScopes(v, 'payments:read') }, async () => ({ ok: true }));
    const res = await app.inject({ method: 'GET', url: '/payments', headers: { authorization: `Bearer ${await sign(key)}` } });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('temporarily_unavailable');
    expect(res.headers['www-authenticate']).toBeUndefined();
    await app.close();
  });

  it('expressRequireScopes: (req, res, next) with the same answers, on a Node http server', async () => {
    const v = setup();
    const mw = expressRequireScopes(v, 'payments:create');
    let failure: unknown = null;
    const server: Server = createServer((req, res) =>
      mw(req as typeof req & { grantry?: AccessTokenClaims }, res, (err?: unknown) => {
        if (err) {
          failure = err;
          res.statusCode = 500;
          res.end();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ merchant_id: (req as { grantry?: AccessTokenClaims }).grantry?.merchant_id }));
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/payments`;
    try {
      for (const [authorization, status, challenge] of await cases()) {
        const res = await fetch(url, { method: 'POST', headers: authorization ? { authorization } : {} });
        expect(res.status).toBe(status);
        expect(res.headers.get('www-authenticate') ?? undefined).toBe(challenge);
        const body = (await res.json()) as Record<string, unknown>;
        if (status === 200) expect(body).toEqual({ merchant_id: 'org_merchant' });
        else {
          expect(res.headers.get('content-type')).toContain('application/json');
          expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
        }
      }
      expect(failure).toBeNull();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('grantry/verify stands alone', () => {
  it('imports nothing but jose, node built-ins and its own files', () => {
    const dir = join(import.meta.dirname, '../../src/verify');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      const specifiers = [...source.matchAll(/\b(?:import|export)\b[^'"]*?\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
      for (const s of specifiers) expect([file, s]).toSatisfy(([, spec]: [string, string]) => spec === 'jose' || spec.startsWith('node:') || /^\.\/[\w-]+\.js$/.test(spec));
    }
  });
});
