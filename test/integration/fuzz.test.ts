/**
 * Property-based fuzzing of the OAuth endpoints and the management API (issue 8, point 4), with
 * fast-check, for a bounded time per endpoint and dialect: FUZZ_MS (2.5 s by default, so the file stays
 * well under a minute in CI; `GRANTRY_FUZZ_MS=60000 npx vitest run test/integration/fuzz.test.ts`
 * for a long run by hand). A failure prints fast-check's seed and the shrunk counterexample.
 *
 * Every response: no 5xx, no stack trace or source path, none of the secrets created in setup.
 * OAuth endpoints: errors are RFC 6749 §5.2 JSON with `error`, not cached. The database: unchanged by
 * the OAuth fuzz (every table hashed before and after); changed by the management-API fuzz only as
 * far as its 2xx responses account for.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { api, basic, buildTestApp, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { initialize } from '../../src/admin/bootstrap.js';

const FUZZ_MS = Number(process.env.GRANTRY_FUZZ_MS ?? 2500);
const RUN = { numRuns: 1_000_000, interruptAfterTimeLimit: FUZZ_MS } as const;
const TEST_TIMEOUT = FUZZ_MS * 3 + 60_000; // shrinking a failure takes longer than finding it

// ---------------------------------------------------------------------------------------------- arbitraries

const SPECIAL = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%',
  '%00',
  '%zz',
  '%E0%A4%A',
  '%0d%0aSet-Cookie:%20x=1',
  '\r\nX-Injected: 1',
  "' OR 1=1--",
  '"; DROP TABLE applications; --',
  '\ud800',
  '\ufeff',
  '🔥',
  'ä',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  '[]',
  '{}',
  'null',
  '-1',
  '1e309',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  'rt_',
  'rt_' + 'A'.repeat(43),
  'car_' + 'A'.repeat(43),
];

const PARAM_NAMES = [
  'grant_type',
  'client_id',
  'client_secret',
  'scope',
  'refresh_token',
  'code',
  'redirect_uri',
  'code_verifier',
  'token',
  'token_type_hint',
  'auth_req_id',
  'login_hint',
  'binding_message',
  'requested_expiry',
  'response_type',
  'state',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'nonce',
  'scope[]',
  'scope[a]',
  '__proto__',
  'constructor',
  'hasOwnProperty',
];

const GRANTS = ['client_credentials', 'refresh_token', 'authorization_code', 'urn:openid:params:grant-type:ciba', 'password', 'implicit', 'CLIENT_CREDENTIALS'];

const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 40_000 }).chain((n) => fc.constantFrom('A', '%', '\u0000', 'é', '&').map((c) => c.repeat(n))) },
);

/** Values that sometimes mean something to the server, mixed with noise. */
const valueOf = (known: string[]) => fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...known) }, { weight: 3, arbitrary: anyString });
const keyOf = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PARAM_NAMES) }, { weight: 1, arbitrary: anyString });

/** Only characters a header may carry (Node refuses others on the client side, before we are reached). */
const headerSafe = (s: string): string => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'application/octet-stream',
  'application/x-www-form-urlencoded, application/json',
  '*/*',
  ';',
];

interface Body {
  contentType: string | undefined;
  payload: string;
}

function formBody(known: string[]): fc.Arbitrary<string> {
  const pairs = fc.array(fc.tuple(keyOf, valueOf(known)), { maxLength: 12 });
  return fc.oneof(
    // Correctly encoded (repeated keys come from the small set of names).
    pairs.map((p) => new URLSearchParams(p).toString()),
    // Raw: unencoded separators, broken %-sequences.
    pairs.map((p) => p.map(([k, v]) => `${k}=${v}`).join('&')),
    anyString,
  );
}

function jsonBody(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.dictionary(keyOf, fc.oneof(valueOf(known), fc.jsonValue({ maxDepth: 3 })), { maxKeys: 10 }).map((o) => JSON.stringify(o)),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
    // Prototype poisoning attempts, and broken JSON.
    fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{', '{"a":', '[', '"', 'nul', '{"grant_type":"client_credentials",}', '\ufeff{}'),
    anyString,
  );
}

function bodyArb(known: string[]): fc.Arbitrary<Body> {
  return fc.oneof(
    fc.record({ contentType: fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8'), payload: formBody(known) }),
    fc.record({ contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'), payload: jsonBody(known) }),
    fc.record({ contentType: fc.oneof(fc.constantFrom(...CONTENT_TYPES), anyString.map(headerSafe)), payload: fc.oneof(formBody(known), jsonBody(known), anyString) }),
    fc.record({ contentType: fc.constant(undefined), payload: fc.oneof(formBody(known), fc.constant('')) }),
  );
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** Lone surrogates replaced: encodeURIComponent throws on them (on our side, before any request). */
const wellFormed = (s: string): string => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const basicOf = (id: string, secret: string): string => basic(wellFormed(id), wellFormed(secret));

/** Authorization headers: well-formed and not, for real clients with wrong secrets and the reverse. */
function authorizationArb(clientIds: string[], secrets: string[], valid: [string, string][] = []): fc.Arbitrary<string | undefined> {
  const id = valueOf(clientIds);
  const secret = valueOf(secrets);
  return fc.oneof(
    fc.constant(undefined),
    // Real credentials, so the random parameters reach the grants and endpoints behind authentication.
    ...(valid.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...valid).map(([i, s]) => basic(i, s)) }] : []),
    fc.tuple(id, secret).map(([i, s]) => basicOf(i, s)),
    fc.tuple(id, secret).map(([i, s]) => `Basic ${b64(`${i}:${s}`)}`), // not form-encoded first
    fc.tuple(fc.constantFrom(...clientIds), anyString).map(([i, s]) => basicOf(i, s)), // a real client, a wrong secret
    anyString.map((s) => `Basic ${b64(s)}`), // maybe no colon
    anyString.map((s) => `Basic ${headerSafe(s)}`), // not base64
    anyString.map((s) => `Bearer ${headerSafe(s)}`),
    fc.constantFrom('Basic', 'Basic ', 'Bearer', 'Bearer ', 'basic Og==', 'Basic Og==', 'Basic ===', 'Digest username="x"', 'Basic  ' + b64('a:b'), 'Basic ' + b64('a:b') + ' extra', 'Negotiate'),
    anyString.map(headerSafe),
  );
}

// ---------------------------------------------------------------------------------------------- checks

/** A stack frame, a source path or an error's name and message: none may reach a client. */
const STACK = [/\n\s+at [^\n]*[(:]/, /\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/, /(?:^|[\s("'/])(?:src|node_modules|dist)\/[\w./-]+/, /\b(?:Type|Syntax|Reference|Range)?Error: /, /\/work\//];

function leakProblems(res: LightMyRequestResponse, secrets: string[]): string[] {
  const text = res.body + '\n' + JSON.stringify(res.headers);
  const problems: string[] = [];
  if (res.statusCode >= 500) problems.push(`status ${res.statusCode}`);
  for (const re of STACK) if (re.test(text)) problems.push(`stack-like text ${re}`);
  for (const s of secrets) if (text.includes(s)) problems.push(`a setup secret (${s.slice(0, 6)}…) in the response`);
  return problems;
}

/** RFC 6749 §5.2: error responses are JSON with `error`, and §5.1/§5.2 responses are not cached. */
function oauthProblems(res: LightMyRequestResponse): string[] {
  if (res.statusCode < 400) return [];
  const problems: string[] = [];
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) problems.push(`content-type ${res.headers['content-type']}`);
  let body: { error?: unknown; error_description?: unknown } = {};
  try {
    body = JSON.parse(res.body);
  } catch {
    problems.push('body is not JSON');
  }
  if (typeof body.error !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(body.error)) problems.push(`error ${JSON.stringify(body.error)}`);
  if (res.headers['cache-control'] !== 'no-store') problems.push(`cache-control ${res.headers['cache-control']}`);
  return problems;
}

/** Every table's rows, hashed (row order and column order normalized). */
async function tableHashes(t: TestApp): Promise<Record<string, string>> {
  const db = t.rt.db.db;
  const tables =
    t.database.url.startsWith('sqlite:')
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
  const out: Record<string, string> = {};
  for (const name of tables.sort()) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    const canonical = rows
      .map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k] instanceof Buffer || r[k] instanceof Uint8Array ? Buffer.from(r[k] as Uint8Array).toString('hex') : String(r[k])])))
      .sort();
    out[name] = `${rows.length}:${createHash('sha256').update(canonical.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return out;
}

const rowCount = (h: Record<string, string>, table: string): number => Number(h[table]!.split(':')[0]);

// ---------------------------------------------------------------------------------------------- suites

describe.each(DIALECTS)('fuzz on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let adminClient: { id: string; secret: string };
    let adminTok: string;
    let merchant: { appId: string; clientId: string; clientSecret: string; orgId: string };
    let partner: { appId: string; clientId: string; clientSecret: string; orgId: string };
    let patchable: string;
    let secrets: string[];
    let clientIds: string[];
    let address = 0;
    /** A fresh source address per request: the failure limiter (429) must not hide what lies behind it. */
    const nextAddress = () => {
      address += 1;
      return `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    };

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      const init = await initialize(t.rt.admin('test'), { maxAccessTokenTtl: t.rt.config.maxAccessTokenTtl });
      adminClient = { id: init.application.clientId, secret: init.clientSecret! };
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'grantry:admin' }, adminClient);
      adminTok = res.json().access_token;
      a = api(t.app, adminTok);
      merchant = await merchantApp(a, ['payments:create', 'payments:read']);
      const porg = (await a.post('/organizations', { type: 'partner', name: 'Partner' })).json();
      const papp = await a.post('/applications', {
        name: 'Partner App',
        type: 'third_party',
        organization_id: porg.id,
        scopes: ['payments:read'],
        redirect_uris: ['https://partner.example/cb'],
        grant_types: ['authorization_code', 'refresh_token', 'urn:openid:params:grant-type:ciba'],
      });
      expect(papp.statusCode, papp.body).toBe(201);
      partner = { appId: papp.json().id, clientId: papp.json().client_id, clientSecret: papp.json().client_secret, orgId: porg.id };
      // Refresh-token rows exist, so the token and revocation endpoints have something to (not) find.
      const inst = await a.post('/installations', { organization_id: merchant.orgId, application_id: partner.appId, scopes: ['payments:read'] });
      expect(inst.statusCode, inst.body).toBe(201);
      const other = await a.post('/applications', { name: 'Patched', type: 'merchant', organization_id: merchant.orgId, scopes: ['payments:read'] });
      patchable = other.json().id;
      secrets = [adminClient.secret, adminTok, merchant.clientSecret, partner.clientSecret, other.json().client_secret];
      expect(secrets.every((s) => typeof s === 'string' && s.length >= 20)).toBe(true);
      clientIds = [merchant.clientId, partner.clientId, adminClient.id, 'unknown-client'];
    });
    afterAll(async () => t?.close());

    async function send(method: 'GET' | 'POST' | 'PATCH', url: string, body: Body | null, authorization: string | undefined): Promise<LightMyRequestResponse> {
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      if (body?.contentType !== undefined) headers['content-type'] = body.contentType;
      return t.app.inject({ method, url, headers, remoteAddress: nextAddress(), ...(body ? { payload: body.payload } : {}) });
    }

    const oauthKnown = () => [...GRANTS, ...clientIds, merchant.clientSecret.slice(0, 10), 'payments:read', 'payments:create', 'grantry:admin', 'payments:read grantry:admin', 'https://partner.example/cb', merchant.orgId, 'S256', 'plain', 'refresh_token', 'access_token'];

    /** Fuzzes one OAuth endpoint and proves the database did not change. */
    async function fuzzOAuth(path: string): Promise<void> {
      const before = await tableHashes(t);
      const seen = new Map<number, number>();
      const secretsForAuth = [merchant.clientSecret, partner.clientSecret, adminClient.secret];
      await fc.assert(
        fc.asyncProperty(bodyArb(oauthKnown()), authorizationArb(clientIds, secretsForAuth, [[merchant.clientId, merchant.clientSecret], [partner.clientId, partner.clientSecret]]), async (body, authorization) => {
          const res = await send('POST', path, body, authorization);
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          // The only response that may carry a setup value is none: a token is new, a secret never returned.
          expect([...leakProblems(res, secrets), ...oauthProblems(res)], `${res.statusCode} ${res.body.slice(0, 300)}`).toEqual([]);
        }),
        RUN,
      );
      const after = await tableHashes(t);
      expect(after, `statuses seen: ${JSON.stringify(Object.fromEntries(seen))}`).toEqual(before);
      expect([...seen.values()].reduce((x, y) => x + y, 0)).toBeGreaterThan(20);
    }

    it('POST /oauth/token: random bodies, content types and Authorization headers', { timeout: TEST_TIMEOUT }, () => fuzzOAuth('/oauth/token'));
    it('POST /oauth/introspect', { timeout: TEST_TIMEOUT }, () => fuzzOAuth('/oauth/introspect'));
    it('POST /oauth/revoke', { timeout: TEST_TIMEOUT }, () => fuzzOAuth('/oauth/revoke'));
    it('POST /oauth/bc-authorize', { timeout: TEST_TIMEOUT }, () => fuzzOAuth('/oauth/bc-authorize'));

    it('GET /oauth/authorize: random query strings', { timeout: TEST_TIMEOUT }, async () => {
      const before = await tableHashes(t);
      const known = [...oauthKnown(), 'code', 'token', 'none', 'login', 'consent', partner.clientId, 'https://partner.example/cb?x=1', 'https://evil.example/cb', 'A'.repeat(43)];
      const query = fc.oneof(
        fc.array(fc.tuple(keyOf, valueOf(known)), { maxLength: 12 }).map((p) => new URLSearchParams(p).toString()),
        fc.array(fc.tuple(keyOf, valueOf(known)), { maxLength: 12 }).map((p) => p.map(([k, v]) => `${encodeURIComponent(wellFormed(k))}=${v.replace(/[#\s]/g, (c) => encodeURIComponent(c))}`).join('&')),
        anyString.map((s) => encodeURIComponent(wellFormed(s))),
      );
      // Known finding, pinned by the next test: a NUL in client_id is a 500 on PostgreSQL. Left out here
      // so the fuzz keeps looking for other failures instead of finding that one again.
      const nulClientId = (q: string) => new URLSearchParams(q).getAll('client_id').some((v) => v.includes('\u0000'));
      await fc.assert(
        fc.asyncProperty(query.filter((q) => !nulClientId(q)), async (q) => {
          const res = await t.app.inject({ method: 'GET', url: `/oauth/authorize?${q}`, remoteAddress: nextAddress() });
          const problems = leakProblems(res, secrets);
          if (res.statusCode >= 300 && res.statusCode < 400) {
            const location = String(res.headers.location ?? '');
            if (!location) problems.push('a redirect without Location');
            // Never to a URI that is not registered for the client (open redirect).
            if (!location.startsWith('https://partner.example/cb')) problems.push(`redirect to ${location.slice(0, 100)}`);
          }
          expect(problems, `${res.statusCode} ${q.slice(0, 200)} → ${res.body.slice(0, 200)}`).toEqual([]);
        }),
        RUN,
      );
      expect(await tableHashes(t)).toEqual(before);
    });

    // Fuzz finding (shrunk): `GET /oauth/authorize?client_id=a%00b` → 500 on PostgreSQL (text cannot hold
    // NUL; the client lookup runs before any character check). Catalogue row 9: reject before the lookup.
    it('GET /oauth/authorize with a NUL in client_id answers 400, not 500 (fuzz finding)', async () => {
      for (const q of ['client_id=a%00b', 'client_id=%00', 'response_type=code&client_id=x%00&redirect_uri=https%3A%2F%2Fpartner.example%2Fcb']) {
        const res = await t.app.inject({ method: 'GET', url: `/oauth/authorize?${q}`, remoteAddress: nextAddress() });
        expect(res.statusCode, `${q} → ${res.body.slice(0, 200)}`).toBe(400);
        expect(leakProblems(res, secrets)).toEqual([]);
      }
    });

    it('management API without a valid admin token: random tokens and bodies change nothing', { timeout: TEST_TIMEOUT }, async () => {
      const before = await tableHashes(t);
      const tokens = fc.oneof(
        fc.constant(undefined),
        anyString.map((s) => `Bearer ${headerSafe(s)}`),
        // A JWT-shaped token: the admin token with its signature broken, or its payload swapped, or alg none.
        fc.constantFrom(
          `Bearer ${adminTok.slice(0, -4)}AAAA`,
          `Bearer ${adminTok.split('.').slice(0, 2).join('.')}.`,
          `Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.${adminTok.split('.')[1]}.`,
          `Bearer ${merchant.clientSecret}`,
          basic(adminClient.id, adminClient.secret),
          `Basic ${b64(`${adminClient.id}:${adminClient.secret}`)}`,
          'Bearer',
          'Bearer  ',
        ),
        authorizationArb(clientIds, [merchant.clientSecret]),
      );
      const route = fc.constantFrom<['POST' | 'PATCH', string]>(['POST', '/api/v1/applications'], ['POST', '/api/v1/organizations'], ['POST', '/api/v1/scopes'], ['PATCH', `/api/v1/applications/${patchable}`]);
      await fc.assert(
        fc.asyncProperty(route, tokens, bodyArb(['merchant', 'partner', merchant.orgId, 'payments:read']), async ([method, url], authorization, body) => {
          const res = await send(method, url, body, authorization);
          const problems = leakProblems(res, secrets);
          if (res.statusCode !== 401 && res.statusCode !== 403) problems.push(`status ${res.statusCode} without a valid token`);
          expect(problems, `${method} ${url} ${String(authorization).slice(0, 60)} → ${res.statusCode} ${res.body.slice(0, 200)}`).toEqual([]);
        }),
        RUN,
      );
      expect(await tableHashes(t)).toEqual(before);
    });

    it('management API with the admin token: random JSON bodies; only 2xx responses change the database', { timeout: TEST_TIMEOUT }, async () => {
      const before = await tableHashes(t);
      const name = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), anyString);
      const typeArb = fc.oneof(fc.constantFrom('merchant', 'partner', 'platform', 'third_party', 'native', 'public'), anyString);
      const scopeName = fc.oneof(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/), fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/)).map(([x, y]) => `${x}:${y}`), anyString);
      const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyString);
      const loose = <T,>(known: Record<string, fc.Arbitrary<T>>) =>
        fc.oneof(
          // Plausible: the fields, each maybe present or noise; or exactly the fields (often valid).
          { weight: 3, arbitrary: fc.record(known) },
          fc.tuple(fc.record(known, { requiredKeys: [] }), fc.option(fc.dictionary(keyOf, jsonish, { maxKeys: 2 }), { nil: undefined })).map(([o, extra]) => ({ ...o, ...(extra ?? {}) })),
          fc.dictionary(anyString, jsonish, { maxKeys: 6 }),
          jsonish,
        ) as fc.Arbitrary<unknown>;
      const appCore = {
        name: fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) }, anyString),
        type: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('merchant', 'third_party', 'native', 'public') }, typeArb),
        organization_id: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(merchant.orgId, partner.orgId) }, anyString),
        scopes: fc.subarray(['payments:read', 'payments:create']),
      } as Record<string, fc.Arbitrary<unknown>>;
      const appFields = {
        name,
        type: typeArb,
        organization_id: fc.oneof(fc.constantFrom(merchant.orgId, partner.orgId), anyString),
        scopes: fc.oneof(fc.subarray(['payments:read', 'payments:create', 'grantry:admin']), fc.array(anyString, { maxLength: 3 }), jsonish),
        redirect_uris: fc.oneof(fc.constantFrom(['https://app.example/cb'], ['http://127.0.0.1:9/cb'], ['javascript:alert(1)'], ['https://a.example/cb#x']), fc.array(anyString, { maxLength: 2 }), jsonish),
        grant_types: fc.oneof(fc.subarray(GRANTS), jsonish),
        refresh_policy: fc.oneof(fc.constantFrom('rotate', 'reuse'), jsonish),
        access_token_ttl: fc.oneof(fc.integer({ min: -10, max: 10_000_000 }), jsonish),
        refresh_grace_period: fc.oneof(fc.integer({ min: -10, max: 1_000_000 }), jsonish),
        client_secret: anyString,
        status: anyString,
      } as Record<string, fc.Arbitrary<unknown>>;
      const request = fc.oneof(
        fc.tuple(fc.constant<['POST', string, string]>(['POST', '/api/v1/organizations', 'organizations']), loose({ type: typeArb, name } as Record<string, fc.Arbitrary<unknown>>)),
        fc.tuple(fc.constant<['POST', string, string]>(['POST', '/api/v1/scopes', 'scopes']), loose({ scope: scopeName, description: name } as Record<string, fc.Arbitrary<unknown>>)),
        fc.tuple(fc.constant<['POST', string, string]>(['POST', '/api/v1/applications', 'applications']), loose(appFields)),
        fc.tuple(fc.constant<['POST', string, string]>(['POST', '/api/v1/applications', 'applications']), loose(appCore)),
        fc.tuple(fc.constant<['PATCH', string, string]>(['PATCH', `/api/v1/applications/${patchable}`, 'patch']), loose(appFields)),
      );
      const bodyShape = fc.oneof({ weight: 6, arbitrary: fc.constant('json' as const) }, { weight: 1, arbitrary: fc.constant('raw' as const) });
      const created = { organizations: 0, scopes: 0, applications: 0, secrets: 0, patch: 0 };
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(request, bodyShape, anyString, async ([[method, url, kind], value], shape, raw) => {
          const body: Body = shape === 'json' ? { contentType: 'application/json', payload: JSON.stringify(value) ?? 'null' } : { contentType: 'application/json', payload: raw };
          const res = await send(method, url, body, `Bearer ${adminTok}`);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const problems = leakProblems(res, secrets);
          if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) problems.push(`error content-type ${res.headers['content-type']}`);
          expect(problems, `${method} ${url} ${body.payload.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`).toEqual([]);
          if (res.statusCode < 300) {
            if (kind === 'patch') created.patch += 1;
            else created[kind as 'organizations' | 'scopes' | 'applications'] += 1;
            if (kind === 'applications' && typeof res.json().client_secret === 'string') created.secrets += 1;
          }
        }),
        RUN,
      );
      const after = await tableHashes(t);
      const context = `statuses ${JSON.stringify(Object.fromEntries(statuses))}, 2xx ${JSON.stringify(created)}`;
      expect(rowCount(after, 'organizations') - rowCount(before, 'organizations'), context).toBe(created.organizations);
      expect(rowCount(after, 'scopes') - rowCount(before, 'scopes'), context).toBe(created.scopes);
      expect(rowCount(after, 'applications') - rowCount(before, 'applications'), context).toBe(created.applications);
      expect(rowCount(after, 'client_secrets') - rowCount(before, 'client_secrets'), context).toBe(created.secrets);
      // Every change is audited once, and nothing else is written.
      expect(rowCount(after, 'audit_events') - rowCount(before, 'audit_events'), context).toBe(created.organizations + created.scopes + created.applications + created.patch);
      // `meta` holds the SQLite change-feed counter, bumped when an application changes (cache invalidation).
      const appChanged = created.applications + created.patch > 0;
      if (appChanged) expect(rowCount(after, 'meta') - rowCount(before, 'meta')).toBeLessThanOrEqual(1);
      const untouched = Object.keys(before).filter((k) => !['organizations', 'scopes', 'applications', 'client_secrets', 'audit_events', ...(appChanged ? ['meta'] : [])].includes(k));
      for (const table of untouched) expect(after[table], `${table}: ${context}`).toBe(before[table]);
      if (created.patch + created.applications === 0) expect(after.applications).toBe(before.applications);
    });
  });
});
