import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { initialize } from '../../src/admin/bootstrap.js';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { buildTestApp, tokenRequest, type TestApp } from '../helpers/app.js';

interface Call {
  method: string;
  url: string;
  res: LightMyRequestResponse;
}

/** A management-API client that records every response, to check afterwards that none leaks a secret. */
function recordingApi(t: TestApp, token: () => string, calls: Call[]) {
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token()}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    calls.push({ method, url, res });
    return res;
  };
  return {
    get: (u: string) => call('GET', u),
    post: (u: string, b?: unknown, h?: Record<string, string>) => call('POST', u, b, h),
    patch: (u: string, b: unknown) => call('PATCH', u, b),
    delete: (u: string) => call('DELETE', u),
  };
}

const expectProblem = (res: LightMyRequestResponse, status: number, kind: string) => {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ type: `urn:grantry:problem:${kind}`, title: expect.any(String), status, detail: expect.any(String) });
  return body as { type: string; title: string; status: number; detail: string; errors?: { field: string; message: string }[] };
};

describe.each(DIALECTS)('management API on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let adminClientId: string;
    let adminSecret: string;
    let token: string;
    let platformOrgId: string;
    const calls: Call[] = [];
    /** Every client secret ever issued here, and the responses allowed to show one. */
    const secrets = new Set<string>();
    const secretShowingResponses = new Set<LightMyRequestResponse>();
    let a: ReturnType<typeof recordingApi>;

    const getToken = async (id: string, secret: string, scope = 'grantry:admin') => {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope }, { id, secret });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().access_token as string;
    };
    const shown = (res: LightMyRequestResponse) => {
      secrets.add(res.json().client_secret);
      secretShowingResponses.add(res);
      return res;
    };

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      const init = await initialize(t.rt.admin('test'), { maxAccessTokenTtl: t.rt.config.maxAccessTokenTtl });
      adminClientId = init.application.clientId;
      adminSecret = init.clientSecret!;
      secrets.add(adminSecret);
      platformOrgId = init.application.organizationId;
      token = await getToken(adminClientId, adminSecret);
      a = recordingApi(t, () => token, calls);
    });
    afterAll(async () => t?.close());

    describe('bearer authentication (RFC 6750)', () => {
      const raw = (authorization?: string) => t.app.inject({ method: 'GET', url: '/api/v1/scopes', headers: authorization ? { authorization } : {} });

      it('no token → 401 problem with a bare Bearer challenge', async () => {
        const res = await raw();
        expectProblem(res, 401, 'unauthorized');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
        expect(res.headers['www-authenticate']).not.toContain('error=');
      });

      it('a garbage token → 401 invalid_token', async () => {
        for (const header of ['Bearer garbage', 'Bearer a.b.c', 'Basic Zm9vOmJhcg==', `Bearer ${token}x`]) {
          const res = await raw(header);
          expectProblem(res, 401, 'unauthorized');
          expect(res.headers['www-authenticate'], header).toMatch(/^Bearer .*error="invalid_token"/);
        }
      });

      it('a valid token without grantry:admin → 403 insufficient_scope', async () => {
        await a.post('/scopes', { scope: 'grantry:read' });
        const app = shown(await a.post('/applications', { name: 'Reader', type: 'merchant', organization_id: platformOrgId, scopes: ['grantry:read'] })).json();
        const res = await raw(`Bearer ${await getToken(app.client_id, app.client_secret, 'grantry:read')}`);
        expectProblem(res, 403, 'forbidden');
        expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
        expect(res.headers['www-authenticate']).toContain('scope="grantry:admin"');
      });

      it('a token for another audience is invalid here (RFC 9068 §4) → 401', async () => {
        await a.post('/scopes', { scope: 'payments:read' });
        const org = (await a.post('/organizations', { type: 'merchant', name: 'Aud' })).json();
        const app = shown(await a.post('/applications', { name: 'Payments', type: 'merchant', organization_id: org.id, scopes: ['payments:read'] })).json();
        const res = await raw(`Bearer ${await getToken(app.client_id, app.client_secret, 'payments:read')}`);
        expectProblem(res, 401, 'unauthorized');
        expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      });

      it('an expired token → 401; the same token before expiry works', async () => {
        expect((await raw(`Bearer ${token}`)).statusCode).toBe(200);
        t.clock.advance(86_400_000 + 1000);
        try {
          const res = await raw(`Bearer ${token}`);
          expectProblem(res, 401, 'unauthorized');
          expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
        } finally {
          t.clock.advance(-(86_400_000 + 1000));
        }
      });

      it('a token of a deleted admin application → 401', async () => {
        const second = shown(await a.post('/applications', { name: 'Second admin', type: 'merchant', organization_id: platformOrgId, scopes: ['grantry:admin'] })).json();
        const secondToken = await getToken(second.client_id, second.client_secret);
        expect((await raw(`Bearer ${secondToken}`)).statusCode).toBe(200);
        expect((await a.delete(`/applications/${second.id}`)).statusCode).toBe(204);
        const res = await raw(`Bearer ${secondToken}`);
        expectProblem(res, 401, 'unauthorized');
      });

      it('a token of an admin application that lost grantry:admin → 403', async () => {
        const third = shown(await a.post('/applications', { name: 'Narrowed', type: 'merchant', organization_id: platformOrgId, scopes: ['grantry:admin', 'grantry:read'] })).json();
        const thirdToken = await getToken(third.client_id, third.client_secret);
        await a.patch(`/applications/${third.id}`, { scopes: ['grantry:read'] });
        expectProblem(await raw(`Bearer ${thirdToken}`), 403, 'forbidden');
      });
    });

    describe('scopes', () => {
      it('creates, refuses a duplicate and an invalid name', async () => {
        const res = await a.post('/scopes', { scope: 'orders:create', description: 'Create orders' });
        expect(res.statusCode).toBe(201);
        expect(res.json()).toEqual({ scope: 'orders:create', audience: 'orders', operation: 'create', description: 'Create orders', created_at: t.clock.now() });
        expectProblem(await a.post('/scopes', { scope: 'orders:create' }), 409, 'conflict');
        const bad = expectProblem(await a.post('/scopes', { scope: 'Orders Create' }), 400, 'invalid_input');
        expect(bad.errors).toEqual([{ field: 'scope', message: expect.any(String) }]);
        expectProblem(await a.post('/scopes', { description: 'no name' }), 400, 'invalid_input');
      });

      it('lists with limit and cursor', async () => {
        for (const op of ['a', 'b', 'c', 'd', 'e']) await a.post('/scopes', { scope: `pages:${op}` });
        const all = (await a.get('/scopes?limit=200')).json();
        expect(all.next_cursor).toBeNull();
        const names: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: { items: { scope: string }[]; next_cursor: string | null } = (await a.get(`/scopes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
          expect(page.items.length).toBeLessThanOrEqual(2);
          names.push(...page.items.map((s) => s.scope));
          cursor = page.next_cursor;
          pages++;
        } while (cursor && pages < 50);
        expect(names).toEqual(all.items.map((s: { scope: string }) => s.scope));
        expect(names).toEqual([...names].sort());
        expect(names).toEqual(expect.arrayContaining(['pages:a', 'pages:e', 'orders:create', 'grantry:admin']));
        expect(pages).toBe(Math.ceil(names.length / 2));
        expectProblem(await a.get('/scopes?limit=0'), 400, 'invalid_input');
        expectProblem(await a.get('/scopes?limit=201'), 400, 'invalid_input');
      });

      it('gets, updates the description, deletes', async () => {
        expect((await a.get('/scopes/orders:create')).json().description).toBe('Create orders');
        const patched = await a.patch('/scopes/orders:create', { description: 'Place orders' });
        expect(patched.statusCode).toBe(200);
        expect(patched.json().description).toBe('Place orders');
        expect((await a.get('/scopes/orders:create')).json().description).toBe('Place orders');
        const del = await a.delete('/scopes/orders:create');
        expect(del.statusCode).toBe(204);
        expect(del.body).toBe('');
        expectProblem(await a.get('/scopes/orders:create'), 404, 'not_found');
        expectProblem(await a.delete('/scopes/orders:create'), 404, 'not_found');
        expectProblem(await a.patch('/scopes/orders:nope', { description: 'x' }), 404, 'not_found');
      });

      it('refuses to delete a scope an application holds', async () => {
        await a.post('/scopes', { scope: 'held:read' });
        const org = (await a.post('/organizations', { type: 'merchant', name: 'Holder' })).json();
        const app = shown(await a.post('/applications', { name: 'Holder app', type: 'merchant', organization_id: org.id, scopes: ['held:read'] })).json();
        expectProblem(await a.delete('/scopes/held:read'), 409, 'conflict');
        await a.patch(`/applications/${app.id}`, { scopes: [] });
        expect((await a.delete('/scopes/held:read')).statusCode).toBe(204);
      });

      // Known bug (src/storage/kysely/scopes.ts inUse): the LIKE pattern escapes "_" with a backslash
      // but SQLite's LIKE has no default escape character, so a held scope with "_" is not found and
      // gets deleted. Marked as failing on SQLite; remove `.fails` once `escape '\\'` is added there.
      it('refuses to delete a held scope whose name has "_"', async () => {
        await a.post('/scopes', { scope: 'my_api:read_all' });
        const org = (await a.post('/organizations', { type: 'merchant', name: 'Underscore' })).json();
        shown(await a.post('/applications', { name: 'Underscore app', type: 'merchant', organization_id: org.id, scopes: ['my_api:read_all'] }));
        expectProblem(await a.delete('/scopes/my_api:read_all'), 409, 'conflict');
      });
    });

    describe('organizations', () => {
      it('creates {id, type, name}; refuses a bad type', async () => {
        const res = await a.post('/organizations', { type: 'partner', name: 'Partner Co' });
        expect(res.statusCode).toBe(201);
        expect(res.json()).toMatchObject({ id: expect.stringMatching(/^org_/), type: 'partner', name: 'Partner Co' });
        expectProblem(await a.post('/organizations', { type: 'bank', name: 'X' }), 400, 'invalid_input');
        expectProblem(await a.post('/organizations', { type: 'merchant', name: '   ' }), 400, 'invalid_input');
      });

      it('lists, filters by type, gets, 404s', async () => {
        const m = (await a.post('/organizations', { type: 'merchant', name: 'Listed' })).json();
        const all = (await a.get('/organizations')).json().items as { id: string; type: string }[];
        expect(all.map((o) => o.id)).toContain(m.id);
        expect(new Set(all.map((o) => o.type))).toEqual(new Set(['merchant', 'partner', 'platform']));
        const partners = (await a.get('/organizations?type=partner')).json().items as { type: string }[];
        expect(partners.length).toBeGreaterThan(0);
        expect(partners.every((o) => o.type === 'partner')).toBe(true);
        expect((await a.get(`/organizations/${m.id}`)).json()).toMatchObject({ id: m.id, name: 'Listed' });
        expectProblem(await a.get('/organizations/org_nope'), 404, 'not_found');
      });

      it('deletes an empty one; refuses one that owns applications', async () => {
        const empty = (await a.post('/organizations', { type: 'merchant', name: 'Empty' })).json();
        expect((await a.delete(`/organizations/${empty.id}`)).statusCode).toBe(204);
        expectProblem(await a.get(`/organizations/${empty.id}`), 404, 'not_found');
        expectProblem(await a.delete(`/organizations/${platformOrgId}`), 409, 'conflict');
      });
    });

    describe('applications', () => {
      let orgId: string;
      let app: Record<string, unknown> & { id: string; client_id: string; client_secret: string };

      beforeAll(async () => {
        await a.post('/scopes', { scope: 'payments:create' });
        orgId = (await a.post('/organizations', { type: 'merchant', name: 'Acme' })).json().id;
      });

      it('creates with client_id and client_secret shown once', async () => {
        const res = shown(await a.post('/applications', { name: 'Acme ERP', type: 'merchant', organization_id: orgId, scopes: ['payments:create', 'payments:read'] }));
        expect(res.statusCode).toBe(201);
        app = res.json();
        expect(app).toMatchObject({ id: expect.stringMatching(/^app_/), client_id: expect.any(String), name: 'Acme ERP', type: 'merchant', organization_id: orgId, scopes: ['payments:create', 'payments:read'], grant_types: ['client_credentials'] });
        expect(app.client_secret).toMatch(/^gs_[\w-]{43}$/);
        const shownAgain = await a.get(`/applications/${app.id}`);
        expect(shownAgain.statusCode).toBe(200);
        expect(shownAgain.json()).not.toHaveProperty('client_secret');
        expect(shownAgain.json().secrets).toEqual([{ id: expect.any(String), hint: app.client_secret.slice(0, 7), created_at: expect.any(Number), expires_at: null, active: true }]);
        expect((await a.get(`/applications/${app.client_id}`)).json().id).toBe(app.id);
        const listed = (await a.get(`/applications?organization_id=${orgId}`)).json().items;
        expect(listed.map((x: { id: string }) => x.id)).toEqual([app.id]);
      });

      it('refuses unknown scopes, owner mismatches and grantry:admin outside the platform', async () => {
        const base = { name: 'X', type: 'merchant', organization_id: orgId };
        expect(expectProblem(await a.post('/applications', { ...base, scopes: ['payments:refund'] }), 400, 'invalid_input').detail).toContain('payments:refund');
        expectProblem(await a.post('/applications', { ...base, type: 'third_party' }), 400, 'invalid_input');
        expectProblem(await a.post('/applications', { ...base, type: 'spaceship' }), 400, 'invalid_input');
        expectProblem(await a.post('/applications', { ...base, organization_id: 'org_nope' }), 400, 'invalid_input');
        expect(expectProblem(await a.post('/applications', { ...base, scopes: ['grantry:admin'] }), 400, 'invalid_input').detail).toContain('grantry:admin');
      });

      it('updates name and scopes; refuses a type change and unknown fields', async () => {
        const res = await a.patch(`/applications/${app.id}`, { name: 'Acme ERP 2', scopes: ['payments:read'] });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ name: 'Acme ERP 2', scopes: ['payments:read'] });
        expect((await a.get(`/applications/${app.id}`)).json()).toMatchObject({ name: 'Acme ERP 2', scopes: ['payments:read'] });
        expectProblem(await a.patch(`/applications/${app.id}`, { type: 'native' }), 400, 'invalid_input');
        expectProblem(await a.patch(`/applications/${app.id}`, { scopes: ['nope:nope'] }), 400, 'invalid_input');
        expectProblem(await a.post('/applications', { name: 'X', type: 'merchant', organization_id: orgId, colour: 'blue' }), 400, 'invalid_input');
        expectProblem(await a.patch('/applications/app_nope', { name: 'x' }), 404, 'not_found');
      });

      it('filters the list by type (comma-separated), in the query: full pages; an unknown type is a 400', async () => {
        const partner = (await a.post('/organizations', { type: 'partner', name: 'Typed Partner' })).json();
        const third = shown(await a.post('/applications', { name: 'Typed App', type: 'third_party', organization_id: partner.id, scopes: ['payments:read'] }));
        expect(third.statusCode, third.body).toBe(201);
        const all = async (query: string) => (await a.get(`/applications?limit=200&${query}`)).json().items as { type: string; id: string }[];
        const merchants = await all('type=merchant');
        expect(merchants.length).toBeGreaterThan(0);
        expect(merchants.every((x) => x.type === 'merchant')).toBe(true);
        expect((await all('type=third_party,native')).map((x) => x.id)).toEqual([third.json().id]);
        const onePerPage = (await a.get('/applications?type=third_party&limit=1')).json();
        expect(onePerPage.items).toHaveLength(1);
        expect(onePerPage.next_cursor).toBeNull();
        expectProblem(await a.get('/applications?type=merchant,robot'), 400, 'invalid_input');
        expect((await a.delete(`/applications/${third.json().id}`)).statusCode).toBe(204);
      });

      it('takes a JSON body as sent: null is "the server default", never 0; a number in a string is refused', async () => {
        const set = await a.patch(`/applications/${app.id}`, { access_token_ttl: 600, refresh_token_ttl: 0 });
        expect(set.statusCode, set.body).toBe(200);
        expect(set.json()).toMatchObject({ access_token_ttl: 600, refresh_token_ttl: 0 });
        const cleared = await a.patch(`/applications/${app.id}`, { access_token_ttl: null, refresh_token_ttl: null });
        expect(cleared.statusCode, cleared.body).toBe(200);
        expect((await a.get(`/applications/${app.id}`)).json()).toMatchObject({ access_token_ttl: null, refresh_token_ttl: null });
        expectProblem(await a.patch(`/applications/${app.id}`, { access_token_ttl: '600' }), 400, 'invalid_input');
        expectProblem(await a.patch(`/applications/${app.id}`, { name: 42 }), 400, 'invalid_input');
        // Query strings are text and still read as numbers.
        expect((await a.get('/applications?limit=1')).json().items).toHaveLength(1);
      });

      it('rotates secrets: two active, a third refused, revoke, expire_others_in', async () => {
        const second = shown(await a.post(`/applications/${app.id}/secrets`, {}));
        expect(second.statusCode).toBe(201);
        expect(second.json().secrets.filter((s: { active: boolean }) => s.active)).toHaveLength(2);
        expect(second.json().client_secret).not.toBe(app.client_secret);
        expectProblem(await a.post(`/applications/${app.id}/secrets`, {}), 409, 'conflict');
        const items = (await a.get(`/applications/${app.id}/secrets`)).json().items as { id: string }[];
        const firstId = items.find((s) => s.id !== second.json().secret.id)!.id;
        expect((await a.delete(`/applications/${app.id}/secrets/${firstId}`)).statusCode).toBe(204);
        const ask = (secret: string) => tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: app.client_id, secret });
        expect((await ask(app.client_secret)).statusCode).toBe(401);
        expect((await ask(second.json().client_secret)).statusCode).toBe(200);
        expectProblem(await a.delete(`/applications/${app.id}/secrets/sec_nope`), 404, 'not_found');
        const third = shown(await a.post(`/applications/${app.id}/secrets`, { expire_others_in: 0 }));
        expect(third.statusCode).toBe(201);
        expect((await ask(second.json().client_secret)).statusCode).toBe(401);
        expect((await ask(third.json().client_secret)).statusCode).toBe(200);
      });

      it('imports a client_id once (409 on conflict)', async () => {
        const body = { name: 'Imported', type: 'merchant', organization_id: orgId, client_id: 'legacy-client-0001' };
        expect(shown(await a.post('/applications', body)).statusCode).toBe(201);
        expectProblem(await a.post('/applications', body), 409, 'conflict');
      });

      it('deletes (204), then 404', async () => {
        expect((await a.delete(`/applications/${app.id}`)).statusCode).toBe(204);
        expectProblem(await a.get(`/applications/${app.id}`), 404, 'not_found');
        expectProblem(await a.delete(`/applications/${app.id}`), 404, 'not_found');
      });

      it('answers 415 for a wrong content type and 400 for malformed JSON, as problems', async () => {
        expectProblem(await a.post('/scopes', 'scope=x:y', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
        expectProblem(await a.post('/scopes', 'scope', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
        expectProblem(await a.post('/organizations', '{"type": "merchant", ', { 'content-type': 'application/json' }), 400, 'invalid_input');
        expectProblem(await a.post('/organizations', '["merchant"]', { 'content-type': 'application/json' }), 400, 'invalid_input');
        expectProblem(await a.get('/nothing-here'), 404, 'not_found');
      });
    });

    describe('keys, audit, OpenAPI', () => {
      it('lists and rotates signing keys', async () => {
        const before = (await a.get('/keys')).json().items;
        expect(before).toEqual([expect.objectContaining({ alg: 'RS256', state: 'active', retired_at: null })]);
        const rotated = await a.post('/keys/rotate', { alg: 'ES256' });
        expect(rotated.statusCode).toBe(201);
        expect(rotated.json()).toMatchObject({ alg: 'ES256', state: 'pending', activates_at: t.clock.now() + t.rt.config.keyActivationDelay * 1000 });
        const after = (await a.get('/keys')).json().items;
        expect(after.map((k: { kid: string }) => k.kid).sort()).toEqual([before[0].kid, rotated.json().kid].sort());
        expectProblem(await a.post('/keys/rotate', { alg: 'HS256' }), 400, 'invalid_input');
        expect((await a.post('/keys/rotate')).statusCode).toBe(201);
      });

      it('lists audit events newest first, by app:<client_id>, filterable by action', async () => {
        for (const op of ['x', 'y', 'z']) {
          t.clock.advance(1000);
          await a.post('/scopes', { scope: `audited:${op}` });
        }
        t.clock.advance(1000);
        await a.delete('/scopes/audited:x');
        const events = (await a.get('/audit-events?limit=4')).json();
        expect(events.items.map((e: { action: string; target_id: string }) => `${e.action} ${e.target_id}`)).toEqual([
          'scope.deleted audited:x',
          'scope.created audited:z',
          'scope.created audited:y',
          'scope.created audited:x',
        ]);
        expect(events.items.every((e: { actor: string }) => e.actor === `app:${adminClientId}`)).toBe(true);
        const ats = events.items.map((e: { at: number }) => e.at);
        expect(ats).toEqual([...ats].sort((x: number, y: number) => y - x));
        expect(events.next_cursor).toEqual(expect.any(String));
        const deletions = (await a.get('/audit-events?action=application.deleted')).json().items;
        expect(deletions.length).toBeGreaterThanOrEqual(2);
        expect(deletions.every((e: { action: string }) => e.action === 'application.deleted')).toBe(true);
        expect((await a.get('/audit-events?action=key.rotated')).json().items).toHaveLength(2);
      });

      it('publishes an OpenAPI 3 document of /api/v1 with schemas and bearer security, without the OAuth endpoints', async () => {
        const res = await t.app.inject('/api/v1/openapi.json');
        expect(res.statusCode).toBe(200);
        const doc = res.json();
        expect(doc.openapi).toMatch(/^3\./);
        const paths = Object.keys(doc.paths);
        for (const p of ['/api/v1/scopes', '/api/v1/organizations', '/api/v1/organizations/{id}', '/api/v1/applications', '/api/v1/applications/{id}', '/api/v1/applications/{id}/secrets', '/api/v1/keys', '/api/v1/keys/rotate', '/api/v1/audit-events']) {
          expect(paths, p).toContain(p);
        }
        expect(paths.every((p) => p.startsWith('/api/v1/'))).toBe(true);
        expect(paths).not.toContain('/oauth/token');
        expect(JSON.stringify(doc.paths)).not.toContain('/.well-known');
        expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
        const createApp = doc.paths['/api/v1/applications'].post;
        expect(createApp.security).toEqual([{ bearerAuth: [] }]);
        expect(createApp.requestBody.content['application/json'].schema.properties).toHaveProperty('organization_id');
        expect(createApp.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['name', 'type', 'organization_id']));
        expect(JSON.stringify(createApp.responses['201'])).toContain('client_secret');
        expect(doc.paths['/api/v1/scopes'].post.requestBody.content['application/json'].schema.properties.scope.type).toBe('string');
      });
    });

    it('never returns a client secret or its hash except when creating or rotating', async () => {
      expect(calls.length).toBeGreaterThan(50);
      expect(secretShowingResponses.size).toBeGreaterThan(5);
      const forbidden = [...secrets].flatMap((s) => [s, t.rt.hasher.hash(s)]);
      for (const { method, url, res } of calls) {
        if (secretShowingResponses.has(res)) continue;
        for (const f of forbidden) expect(res.body.includes(f), `${method} ${url}`).toBe(false);
        expect(res.body, `${method} ${url}`).not.toMatch(/"client_secret"/);
      }
    });
  });
});
