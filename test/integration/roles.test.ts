import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { adminToken, api, basic, buildTestApp, form, type Api, type TestApp } from '../helpers/app.js';
import { merchantOrg, partnerApp, type Partner } from '../helpers/installations.js';
import { createUser, firstPartySignIn, type TestUser } from '../helpers/web.js';

/**
 * The roles of docs/console.md, route by route: a member of merchant organization A never sees or
 * changes organization B's data (404, lists without B's rows, the database unchanged), roles within an
 * organization decide what a member may change, and platform administrators (the admin application and
 * a person with platform_admin) see everything. The last test checks that every route of the OpenAPI
 * document was exercised here.
 */

const CIBA = 'urn:openid:params:grant-type:ciba';
const REDIRECT = 'http://127.0.0.1:1/console/callback';
const SCOPES = ['payments:create', 'payments:read'];
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request of the table: `route` is the OpenAPI path template it exercises. */
interface Row {
  route: string;
  url: string;
  body?: unknown;
  status: number;
  /**
   * The same request naming something that does not exist (`[real, fake]` substituted in the URL or
   * the body): it must get the same status and the same words, so the answer tells nothing.
   */
  same?: [string, string];
}

/** Every table's rows, hashed (row and column order normalized), to prove a refused request changed nothing. */
async function snapshot(t: TestApp): Promise<Record<string, string>> {
  const db = t.rt.db.db;
  const tables = t.database.url.startsWith('sqlite:')
    ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows.map((r) => r.name)
    : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
  const out: Record<string, string> = {};
  // Usage counters are totals flushed in the background, not data a request may or may not change.
  for (const name of tables.filter((n) => !n.startsWith('usage')).sort()) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    const canonical = rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k] instanceof Uint8Array ? Buffer.from(r[k] as Uint8Array).toString('hex') : String(r[k])]))).sort();
    out[name] = `${rows.length}:${createHash('sha256').update(canonical.join('\n')).digest('hex')}`;
  }
  return out;
}

describe.each(DIALECTS)('roles in the management API on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let adminTokenValue: string;
    const covered = new Set<string>();

    // The world: merchants A and B, partners P (with CIBA) and Q, each with applications; P installed
    // in A and B, Q in B; people with each role; decoupled requests naming B's owner, B and A.
    let platformOrg: string;
    let orgA: string;
    let orgB: string;
    let P: Partner;
    let Q: Partner;
    let adminApp: { id: string };
    let consoleApp: { id: string; client_id: string };
    let appA: { id: string; client_id: string };
    let appB: { id: string; client_id: string };
    let secretB: string;
    let hookP: string;
    let insA: string;
    let insB: string;
    let insQB: string;
    let deliveryPB: string;
    let deliveryQB: string;
    let reqBUser: string;
    let reqBOrg: string;
    let reqAOrg: string;
    const people: Record<'aOwner' | 'aAdmin' | 'aDev' | 'bOwner' | 'pDev' | 'platformPerson' | 'platformMember', TestUser> = {} as never;
    const tokens: Record<string, string> = {};

    const userToken = async (user: TestUser): Promise<string> => {
      const res = await firstPartySignIn(t.app, { clientId: consoleApp.client_id, redirectUri: REDIRECT }, user);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().access_token as string;
    };

    const call = (token: string, method: Method, url: string, body?: unknown): Promise<LightMyRequestResponse> =>
      t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });

    /** A request of the table, recorded as covering its route; a refusal is a problem document. */
    const expectRow = async (who: string, row: Row): Promise<LightMyRequestResponse> => {
      const [method, template] = row.route.split(' ') as [Method, string];
      covered.add(`${method} ${template}`);
      const res = await call(tokens[who]!, method, row.url, row.body);
      expect(res.statusCode, `${who}: ${row.route} ${row.url} → ${res.body.slice(0, 300)}`).toBe(row.status);
      if (row.status >= 400) {
        expect(res.headers['content-type'], `${who}: ${row.route}`).toContain('application/problem+json');
        const kind = { 400: 'invalid_input', 403: 'forbidden', 404: 'not_found' }[row.status] ?? 'unexpected';
        expect(res.json(), `${who}: ${row.route}`).toMatchObject({ status: row.status, type: `urn:grantry:problem:${kind}` });
      }
      if (row.same) {
        const [real, fake] = row.same;
        const swap = (s: string) => s.split(real).join(fake);
        const other = await call(tokens[who]!, method, swap(row.url), row.body === undefined ? undefined : JSON.parse(swap(JSON.stringify(row.body))));
        expect(other.statusCode, `${who}: ${row.route} with a made-up id`).toBe(res.statusCode);
        expect(other.json().detail.split(fake).join('ID'), `${who}: ${row.route}: the words tell whether it exists`).toBe(res.json().detail.split(real).join('ID'));
      }
      return res;
    };
    const ids = (res: LightMyRequestResponse): string[] => res.json().items.map((i: { id: string }) => i.id);
    const all = async (token: string, url: string): Promise<{ id: string; [k: string]: unknown }[]> => {
      const items: { id: string }[] = [];
      let cursor: string | null = null;
      do {
        const res: LightMyRequestResponse = await call(token, 'GET', `${url}${url.includes('?') ? '&' : '?'}limit=200${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode, res.body).toBe(200);
        items.push(...res.json().items);
        cursor = res.json().next_cursor;
      } while (cursor);
      return items;
    };

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      adminTokenValue = await adminToken(t);
      a = api(t.app, adminTokenValue);
      tokens.adminApp = adminTokenValue;
      for (const scope of SCOPES) expect((await a.post('/scopes', { scope, description: `Allows ${scope}` })).statusCode).toBe(201);
      platformOrg = (await a.get('/organizations?type=platform')).json().items[0].id;
      adminApp = (await a.get(`/applications?organization_id=${platformOrg}`)).json().items.find((x: { scopes: string[] }) => x.scopes.includes('grantry:admin'));
      const created = await a.post('/applications', { name: 'Console', type: 'public', organization_id: platformOrg, scopes: ['grantry:console'], redirect_uris: [REDIRECT] });
      expect(created.statusCode, created.body).toBe(201);
      consoleApp = created.json();
      orgA = await merchantOrg(a, 'Shop A');
      orgB = await merchantOrg(a, 'Shop B');
      P = await partnerApp(a, { grant_types: ['refresh_token', CIBA] });
      Q = await partnerApp(a);
      appA = (await a.post('/applications', { name: 'A ERP', type: 'merchant', organization_id: orgA, scopes: ['payments:read'] })).json();
      appB = (await a.post('/applications', { name: 'B ERP', type: 'merchant', organization_id: orgB, scopes: ['payments:read'] })).json();
      secretB = (await a.get(`/applications/${appB.id}/secrets`)).json().items[0].id;
      hookP = (await a.get(`/applications/${P.appId}/webhooks`)).json().items[0].id;
      const install = async (org: string, app: string) => {
        const res = await a.post('/installations', { organization_id: org, application_id: app, scopes: SCOPES });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().id as string;
      };
      insA = await install(orgA, P.appId);
      insB = await install(orgB, P.appId);
      insQB = await install(orgB, Q.appId);
      deliveryPB = (await a.get(`/webhook-deliveries?installation_id=${insB}`)).json().items[0].id;
      deliveryQB = (await a.get(`/webhook-deliveries?installation_id=${insQB}`)).json().items[0].id;

      const person = async (name: string, input: Parameters<typeof createUser>[1]) => createUser(t, { ...input, email: `${name.toLowerCase()}@roles.example` });
      people.aOwner = await person('aOwner', { organizationId: orgA, role: 'owner' });
      people.aAdmin = await person('aAdmin', { organizationId: orgA, role: 'admin' });
      people.aDev = await person('aDev', { organizationId: orgA, role: 'developer' });
      people.bOwner = await person('bOwner', { organizationId: orgB, role: 'owner' });
      people.pDev = await person('pDev', { organizationId: P.orgId, role: 'developer' });
      people.platformPerson = await person('platformPerson', { platformAdmin: true });
      people.platformMember = await person('platformMember', { organizationId: platformOrg, role: 'developer' });
      for (const [name, user] of Object.entries(people)) tokens[name] = await userToken(user);

      const bc = async (loginHint: string, message: string): Promise<string> => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/oauth/bc-authorize',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(P.clientId, P.clientSecret) },
          payload: form({ scope: 'payments:read', login_hint: loginHint, binding_message: message }),
        });
        expect(res.statusCode, res.body).toBe(200);
        return (await a.get('/decoupled-requests?status=pending&limit=200')).json().items.find((r: { binding_message: string }) => r.binding_message === message).id;
      };
      reqBUser = await bc(people.bOwner.email, 'B-OWNER');
      reqBOrg = await bc(orgB, 'B-ORG');
      reqAOrg = await bc(orgA, 'A-ORG');
    });
    afterAll(async () => t?.close());

    it('GET /me: the person and their memberships; the admin application is a platform administrator with no user', async () => {
      covered.add('GET /me');
      const me = (await call(tokens.aDev!, 'GET', '/me')).json();
      expect(me).toEqual({
        actor: `user:${people.aDev.id}`,
        platform_admin: false,
        user: { id: people.aDev.id, email: people.aDev.email, name: 'Test User', platform_admin: false },
        memberships: [{ organization: { id: orgA, name: 'Shop A', type: 'merchant' }, role: 'developer' }],
      });
      const app = (await call(adminTokenValue, 'GET', '/me')).json();
      expect(app).toMatchObject({ platform_admin: true, user: null, memberships: [] });
      expect(app.actor).toMatch(/^app:/);
      const pp = (await call(tokens.platformPerson!, 'GET', '/me')).json();
      expect(pp).toMatchObject({ platform_admin: true, user: { id: people.platformPerson.id, platform_admin: true }, memberships: [] });
    });

    it('GET /catalog/applications: third-party applications in their public view, for everyone, paginated', async () => {
      covered.add('GET /catalog/applications');
      // A third-party application that cannot be installed (no refresh_token grant) is not offered.
      const codeOnly = await call(adminTokenValue, 'POST', '/applications', { name: 'Sign-in only', type: 'third_party', organization_id: P.orgId, scopes: SCOPES, grant_types: ['authorization_code'], redirect_uris: ['https://partner.example/cb'] });
      expect(codeOnly.statusCode, codeOnly.body).toBe(201);
      for (const who of ['aDev', 'pDev', 'platformMember', 'adminApp']) {
        const items = await all(tokens[who]!, '/catalog/applications');
        expect(items.map((i) => i.id).sort(), who).toEqual([P.appId, Q.appId].sort());
        for (const item of items) {
          expect(Object.keys(item).sort()).toEqual(['client_id', 'id', 'logo_uri', 'name', 'organization_id', 'organization_name', 'scopes']);
          expect(item).toMatchObject({ organization_name: 'Partner Co', scopes: SCOPES, logo_uri: null });
        }
      }
      const first = (await call(tokens.aDev!, 'GET', '/catalog/applications?limit=1')).json();
      expect(first.items).toHaveLength(1);
      const second = (await call(tokens.aDev!, 'GET', `/catalog/applications?limit=1&cursor=${first.next_cursor}`)).json();
      expect(second.items.map((i: { id: string }) => i.id)).not.toContain(first.items[0].id);
      expect(second.items).toHaveLength(1);
      expect((await call(adminTokenValue, 'DELETE', `/applications/${codeOnly.json().id}`)).statusCode).toBe(204);
    });

    it('a member of merchant A (owner, admin or developer) never sees or changes B\'s or a partner\'s data: 404s, lists without their rows, nothing changed', async () => {
      const fakeApp = 'app_01AAAAAAAAAAAAAAAAAAAAAAAA';
      const rows: Row[] = [
        // Organizations
        { route: 'GET /organizations/{id}', url: `/organizations/${orgB}`, status: 404, same: [orgB, 'org_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'DELETE /organizations/{id}', url: `/organizations/${orgB}`, status: 404, same: [orgB, 'org_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'POST /organizations', url: '/organizations', body: { type: 'merchant', name: 'Mine now' }, status: 403 },
        { route: 'DELETE /organizations/{id}', url: `/organizations/${orgA}`, status: 403 },
        // Scope catalogue: readable, not changeable
        { route: 'POST /scopes', url: '/scopes', body: { scope: 'evil:do' }, status: 403 },
        { route: 'PATCH /scopes/{scope}', url: '/scopes/payments:read', body: { description: 'pwned' }, status: 403, same: ['payments:read', 'nothing:here'] },
        { route: 'DELETE /scopes/{scope}', url: '/scopes/payments:read', status: 403, same: ['payments:read', 'nothing:here'] },
        // B's application, by id and by client_id, and its secrets
        { route: 'GET /applications/{id}', url: `/applications/${appB.id}`, status: 404, same: [appB.id, fakeApp] },
        { route: 'GET /applications/{id}', url: `/applications/${appB.client_id}`, status: 404, same: [appB.client_id, 'cid_doesnotexist'] },
        { route: 'PATCH /applications/{id}', url: `/applications/${appB.id}`, body: { name: 'pwned' }, status: 404, same: [appB.id, fakeApp] },
        { route: 'DELETE /applications/{id}', url: `/applications/${appB.id}`, status: 404, same: [appB.id, fakeApp] },
        { route: 'POST /applications', url: '/applications', body: { name: 'In B', type: 'merchant', organization_id: orgB, scopes: ['payments:read'] }, status: 400, same: [orgB, 'org_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'GET /applications/{id}/secrets', url: `/applications/${appB.id}/secrets`, status: 404, same: [appB.id, fakeApp] },
        { route: 'POST /applications/{id}/secrets', url: `/applications/${appB.id}/secrets`, status: 404, same: [appB.id, fakeApp] },
        { route: 'DELETE /applications/{id}/secrets/{secret_id}', url: `/applications/${appB.id}/secrets/${secretB}`, status: 404, same: [appB.id, fakeApp] },
        // A partner's application: its webhooks and its delivery log
        { route: 'GET /applications/{id}', url: `/applications/${P.appId}`, status: 404, same: [P.appId, fakeApp] },
        { route: 'POST /applications/{id}/webhooks', url: `/applications/${P.appId}/webhooks`, body: { url: 'http://127.0.0.1:9/steal', events: ['INSTALLATION.CREATE'] }, status: 404, same: [P.appId, fakeApp] },
        { route: 'GET /applications/{id}/webhooks', url: `/applications/${P.appId}/webhooks`, status: 404, same: [P.appId, fakeApp] },
        { route: 'GET /applications/{id}/webhooks/{webhook_id}', url: `/applications/${P.appId}/webhooks/${hookP}`, status: 404, same: [P.appId, fakeApp] },
        { route: 'PATCH /applications/{id}/webhooks/{webhook_id}', url: `/applications/${P.appId}/webhooks/${hookP}`, body: { enabled: false }, status: 404, same: [P.appId, fakeApp] },
        { route: 'DELETE /applications/{id}/webhooks/{webhook_id}', url: `/applications/${P.appId}/webhooks/${hookP}`, status: 404, same: [P.appId, fakeApp] },
        { route: 'POST /applications/{id}/webhooks/{webhook_id}/secret/rotate', url: `/applications/${P.appId}/webhooks/${hookP}/secret/rotate`, body: {}, status: 404, same: [P.appId, fakeApp] },
        { route: 'POST /applications/{id}/webhooks/{webhook_id}/test', url: `/applications/${P.appId}/webhooks/${hookP}/test`, status: 404, same: [P.appId, fakeApp] },
        { route: 'POST /applications/{id}/webhooks/{webhook_id}/recover', url: `/applications/${P.appId}/webhooks/${hookP}/recover`, body: { since: '2026-01-01T00:00:00Z' }, status: 404, same: [P.appId, fakeApp] },
        { route: 'GET /webhook-deliveries/{id}', url: `/webhook-deliveries/${deliveryPB}`, status: 404, same: [deliveryPB, 'whd_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'POST /webhook-deliveries/{id}/retry', url: `/webhook-deliveries/${deliveryPB}/retry`, status: 404, same: [deliveryPB, 'whd_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'GET /webhook-deliveries', url: `/webhook-deliveries?application_id=${P.appId}`, status: 404, same: [P.appId, fakeApp] },
        { route: 'GET /webhook-deliveries', url: `/webhook-deliveries?subscription_id=${hookP}`, status: 404, same: [hookP, 'whs_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'GET /webhook-deliveries', url: `/webhook-deliveries?installation_id=${insB}`, status: 404, same: [insB, 'ins_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        // B's installations
        { route: 'GET /installations/{id}', url: `/installations/${insB}`, status: 404, same: [insB, 'ins_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'PATCH /installations/{id}', url: `/installations/${insB}`, body: { scopes: ['payments:read'] }, status: 404, same: [insB, 'ins_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'POST /installations/{id}/reissue', url: `/installations/${insB}/reissue`, status: 404, same: [insB, 'ins_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'DELETE /installations/{id}', url: `/installations/${insQB}`, status: 404, same: [insQB, 'ins_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'POST /installations', url: '/installations', body: { organization_id: orgB, application_id: P.appId, scopes: ['payments:read'] }, status: 400, same: [orgB, 'org_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'GET /installations', url: `/installations?organization_id=${orgB}`, status: 404, same: [orgB, 'org_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'GET /installations', url: `/installations?application_id=${appB.id}`, status: 404, same: [appB.id, fakeApp] },
        { route: 'GET /applications', url: `/applications?organization_id=${orgB}`, status: 404, same: [orgB, 'org_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        // Platform-wide: signing keys, audit log, users and memberships (403 before any lookup)
        { route: 'GET /keys', url: '/keys', status: 403 },
        { route: 'POST /keys/rotate', url: '/keys/rotate', status: 403 },
        { route: 'GET /audit-events', url: '/audit-events', status: 403 },
        { route: 'GET /stats', url: '/stats', status: 403 },
        { route: 'GET /users', url: '/users', status: 403 },
        { route: 'GET /users', url: `/users?organization_id=${orgA}`, status: 403 },
        { route: 'POST /users', url: '/users', body: { email: 'sock@roles.example', platform_admin: true }, status: 403 },
        { route: 'GET /users/{id}', url: `/users/${people.bOwner.id}`, status: 403, same: [people.bOwner.id, 'usr_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'PATCH /users/{id}', url: `/users/${people.bOwner.id}`, body: { status: 'disabled' }, status: 403, same: [people.bOwner.id, 'usr_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'DELETE /users/{id}', url: `/users/${people.bOwner.id}`, status: 403, same: [people.bOwner.id, 'usr_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'PUT /users/{id}/memberships/{organization_id}', url: `/users/${people.bOwner.id}/memberships/${orgB}`, body: { role: 'developer' }, status: 403 },
        { route: 'DELETE /users/{id}/memberships/{organization_id}', url: `/users/${people.bOwner.id}/memberships/${orgB}`, status: 403 },
        { route: 'POST /users/{id}/setup-link', url: `/users/${people.bOwner.id}/setup-link`, status: 403, same: [people.bOwner.id, 'usr_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        // Decoupled requests naming B's owner or B
        { route: 'GET /decoupled-requests/{id}', url: `/decoupled-requests/${reqBUser}`, status: 404, same: [reqBUser, 'breq_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'GET /decoupled-requests/{id}', url: `/decoupled-requests/${reqBOrg}`, status: 404, same: [reqBOrg, 'breq_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'POST /decoupled-requests/{id}/approve', url: `/decoupled-requests/${reqBUser}/approve`, status: 404, same: [reqBUser, 'breq_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
        { route: 'POST /decoupled-requests/{id}/deny', url: `/decoupled-requests/${reqBOrg}/deny`, status: 404, same: [reqBOrg, 'breq_01AAAAAAAAAAAAAAAAAAAAAAAA'] },
      ];
      const before = await snapshot(t);
      for (const who of ['aOwner', 'aAdmin', 'aDev'] as const) {
        const self = people[who].id;
        for (const row of rows) await expectRow(who, row);
        // Installing B's own (merchant) application into A: it cannot even be named (the developer,
        // who may not install at all, is refused before the application is looked at).
        await expectRow(who, {
          route: 'POST /installations',
          url: '/installations',
          body: { organization_id: orgA, application_id: appB.id, scopes: ['payments:read'] },
          status: who === 'aDev' ? 403 : 400,
          same: [appB.id, fakeApp],
        });
        // Giving oneself more rights is the same refusal.
        await expectRow(who, { route: 'PATCH /users/{id}', url: `/users/${self}`, body: { platform_admin: true }, status: 403 });
        await expectRow(who, { route: 'PUT /users/{id}/memberships/{organization_id}', url: `/users/${self}/memberships/${orgB}`, body: { role: 'owner' }, status: 403 });

        // Lists hold their own organization's rows only.
        expect(ids(await expectRow(who, { route: 'GET /organizations', url: '/organizations', status: 200 }))).toEqual([orgA]);
        expect(ids(await expectRow(who, { route: 'GET /organizations', url: '/organizations?type=merchant', status: 200 }))).toEqual([orgA]);
        expect((await expectRow(who, { route: 'GET /organizations/{id}', url: `/organizations/${orgA}`, status: 200 })).json().name).toBe('Shop A');
        expect(ids(await expectRow(who, { route: 'GET /applications', url: '/applications', status: 200 }))).toEqual([appA.id]);
        expect(ids(await expectRow(who, { route: 'GET /applications', url: `/applications?organization_id=${orgA}`, status: 200 }))).toEqual([appA.id]);
        expect(ids(await expectRow(who, { route: 'GET /installations', url: '/installations', status: 200 }))).toEqual([insA]);
        // Filtering by the catalogue's application shows only A's installation of it.
        expect(ids(await expectRow(who, { route: 'GET /installations', url: `/installations?application_id=${P.appId}`, status: 200 }))).toEqual([insA]);
        expect((await expectRow(who, { route: 'GET /installations/{id}', url: `/installations/${insA}`, status: 200 })).json().organization_id).toBe(orgA);
        // The credentials webhooks of A's installation go to the partner: they are the partner's log, not A's.
        expect(ids(await expectRow(who, { route: 'GET /webhook-deliveries', url: '/webhook-deliveries', status: 200 }))).toEqual([]);
        expect((await expectRow(who, { route: 'GET /scopes', url: '/scopes', status: 200 })).json().items.map((s: { scope: string }) => s.scope)).toEqual(expect.arrayContaining(SCOPES));
        expect((await expectRow(who, { route: 'GET /scopes/{scope}', url: '/scopes/payments:read', status: 200 })).json().scope).toBe('payments:read');
        const decoupled = ids(await expectRow(who, { route: 'GET /decoupled-requests', url: '/decoupled-requests', status: 200 }));
        expect(decoupled).not.toContain(reqBUser);
        expect(decoupled).not.toContain(reqBOrg);
        // A request naming A is for those who may grant for A: the owner and the admin, not the developer.
        expect(decoupled.includes(reqAOrg), who).toBe(who !== 'aDev');
      }
      // The developer cannot see a request naming A either.
      await expectRow('aDev', { route: 'GET /decoupled-requests/{id}', url: `/decoupled-requests/${reqAOrg}`, status: 404, same: [reqAOrg, 'breq_01AAAAAAAAAAAAAAAAAAAAAAAA'] });
      await expectRow('aDev', { route: 'POST /decoupled-requests/{id}/approve', url: `/decoupled-requests/${reqAOrg}/approve`, status: 404 });
      // Not a row, not an audit event, not a secret more: the database is exactly as before.
      expect(await snapshot(t)).toEqual(before);
      // And B's owner still sees all of it.
      expect((await call(tokens.bOwner!, 'GET', `/applications/${appB.id}`)).statusCode).toBe(200);
      expect(ids(await call(tokens.bOwner!, 'GET', '/installations')).sort()).toEqual([insB, insQB].sort());
    });

    it('a partner\'s member sees their application\'s installations (not the merchants) and its delivery log, and cannot change a merchant\'s installation', async () => {
      const before = await snapshot(t);
      for (const row of [
        { route: 'PATCH /installations/{id}', url: `/installations/${insB}`, body: { scopes: ['payments:read'] }, status: 403 },
        { route: 'POST /installations/{id}/reissue', url: `/installations/${insB}/reissue`, status: 403 },
        { route: 'DELETE /installations/{id}', url: `/installations/${insA}`, status: 403 },
        { route: 'POST /installations', url: '/installations', body: { organization_id: orgB, application_id: P.appId, scopes: ['payments:read'] }, status: 400 },
        { route: 'GET /installations/{id}', url: `/installations/${insQB}`, status: 404 },
        { route: 'GET /organizations/{id}', url: `/organizations/${orgA}`, status: 404 },
        { route: 'GET /applications/{id}', url: `/applications/${Q.appId}`, status: 404 },
        { route: 'GET /webhook-deliveries/{id}', url: `/webhook-deliveries/${deliveryQB}`, status: 404 },
        { route: 'POST /webhook-deliveries/{id}/retry', url: `/webhook-deliveries/${deliveryQB}/retry`, status: 404 },
      ] satisfies Row[]) {
        await expectRow('pDev', row);
      }
      expect(await snapshot(t)).toEqual(before);

      expect(ids(await expectRow('pDev', { route: 'GET /organizations', url: '/organizations', status: 200 }))).toEqual([P.orgId]);
      expect(ids(await expectRow('pDev', { route: 'GET /installations', url: '/installations', status: 200 })).sort()).toEqual([insA, insB].sort());
      // The partner's member reads who installed their application by name (as a consent page shows it).
      expect((await expectRow('pDev', { route: 'GET /installations/{id}', url: `/installations/${insB}`, status: 200 })).json()).toMatchObject({
        organization_id: orgB,
        organization_name: 'Shop B',
        application_id: P.appId,
        application_name: expect.stringMatching(/^Partner App/),
      });
      // A merchant named in a filter is still not theirs to look at.
      await expectRow('pDev', { route: 'GET /installations', url: `/installations?organization_id=${orgB}`, status: 404 });
      const log = (await expectRow('pDev', { route: 'GET /webhook-deliveries', url: '/webhook-deliveries?limit=200', status: 200 })).json().items;
      expect(log.length).toBeGreaterThan(0);
      expect(log.every((d: { application_id: string }) => d.application_id === P.appId)).toBe(true);
      expect(log.map((d: { id: string }) => d.id)).toContain(deliveryPB);
      expect(log.map((d: { id: string }) => d.id)).not.toContain(deliveryQB);
      await expectRow('pDev', { route: 'GET /webhook-deliveries', url: `/webhook-deliveries?installation_id=${insB}`, status: 200 });
      await expectRow('pDev', { route: 'GET /webhook-deliveries/{id}', url: `/webhook-deliveries/${deliveryPB}`, status: 200 });
      // Any member of the application's organization may manage it, a developer included.
      await expectRow('pDev', { route: 'POST /webhook-deliveries/{id}/retry', url: `/webhook-deliveries/${deliveryPB}/retry`, status: 202 });
      await expectRow('pDev', { route: 'GET /applications/{id}/webhooks/{webhook_id}', url: `/applications/${P.appId}/webhooks/${hookP}`, status: 200 });
      await expectRow('pDev', { route: 'PATCH /applications/{id}/webhooks/{webhook_id}', url: `/applications/${P.appId}/webhooks/${hookP}`, body: { enabled: true }, status: 200 });
      await expectRow('pDev', { route: 'POST /applications/{id}/webhooks/{webhook_id}/test', url: `/applications/${P.appId}/webhooks/${hookP}/test`, status: 202 });
      await expectRow('pDev', { route: 'POST /applications/{id}/webhooks/{webhook_id}/recover', url: `/applications/${P.appId}/webhooks/${hookP}/recover`, body: { since: '2026-01-01T00:00:00Z' }, status: 202 });
      await expectRow('pDev', { route: 'POST /applications/{id}/webhooks/{webhook_id}/secret/rotate', url: `/applications/${P.appId}/webhooks/${hookP}/secret/rotate`, body: { previous_expires_in: 3600 }, status: 200 });
      // The event catalogue is the same for everyone who may call the API.
      expect((await expectRow('pDev', { route: 'GET /webhook-event-types', url: '/webhook-event-types', status: 200 })).json().items.length).toBeGreaterThan(4);
      // Endpoints across applications: only the member's own organization's.
      const endpoints = (await expectRow('pDev', { route: 'GET /webhooks', url: '/webhooks', status: 200 })).json().items as { application_id: string }[];
      expect(endpoints.length).toBeGreaterThan(0);
      expect(endpoints.every((e) => e.application_id === P.appId)).toBe(true);
      await expectRow('pDev', { route: 'PATCH /applications/{id}', url: `/applications/${P.appId}`, body: { name: 'Partner App v2' }, status: 200 });
      expect((await expectRow('pDev', { route: 'GET /applications/{id}', url: `/applications/${P.appId}`, status: 200 })).json().secrets.length).toBeGreaterThan(0);
    });

    it('within merchant A: a developer manages applications but cannot install, change or uninstall; an owner or admin can', async () => {
      // The developer: applications, secrets and webhooks of A, all of it.
      const created = await expectRow('aDev', { route: 'POST /applications', url: '/applications', body: { name: 'Dev tool', type: 'merchant', organization_id: orgA, scopes: ['payments:read'] }, status: 201 });
      const dev = created.json();
      expect(dev.client_secret).toMatch(/^gs_/);
      await expectRow('aDev', { route: 'PATCH /applications/{id}', url: `/applications/${dev.id}`, body: { name: 'Dev tool 2' }, status: 200 });
      const rotated = (await expectRow('aDev', { route: 'POST /applications/{id}/secrets', url: `/applications/${dev.id}/secrets`, body: {}, status: 201 })).json();
      const old = rotated.secrets.find((s: { id: string }) => s.id !== rotated.secret.id).id;
      await expectRow('aDev', { route: 'DELETE /applications/{id}/secrets/{secret_id}', url: `/applications/${dev.id}/secrets/${old}`, status: 204 });
      await expectRow('aDev', { route: 'GET /applications/{id}/secrets', url: `/applications/${dev.id}/secrets`, status: 200 });
      const hook = (await expectRow('aDev', { route: 'POST /applications/{id}/webhooks', url: `/applications/${dev.id}/webhooks`, body: { url: 'http://127.0.0.1:9/dev', events: ['INSTALLATION.CREATE'] }, status: 201 })).json();
      await expectRow('aDev', { route: 'GET /applications/{id}/webhooks', url: `/applications/${dev.id}/webhooks`, status: 200 });
      await expectRow('aDev', { route: 'PATCH /applications/{id}/webhooks/{webhook_id}', url: `/applications/${dev.id}/webhooks/${hook.id}`, body: { enabled: false }, status: 200 });
      await expectRow('aDev', { route: 'DELETE /applications/{id}/webhooks/{webhook_id}', url: `/applications/${dev.id}/webhooks/${hook.id}`, status: 204 });
      await expectRow('aDev', { route: 'DELETE /applications/{id}', url: `/applications/${dev.id}`, status: 204 });

      // … but granting access to A's data is the business's call: 403, nothing changed.
      const before = await snapshot(t);
      for (const row of [
        { route: 'POST /installations', url: '/installations', body: { organization_id: orgA, application_id: Q.appId, scopes: ['payments:read'] }, status: 403 },
        { route: 'PATCH /installations/{id}', url: `/installations/${insA}`, body: { scopes: ['payments:read'] }, status: 403 },
        { route: 'POST /installations/{id}/reissue', url: `/installations/${insA}/reissue`, status: 403 },
        { route: 'DELETE /installations/{id}', url: `/installations/${insA}`, status: 403 },
      ] satisfies Row[]) {
        const res = await expectRow('aDev', row);
        expect(res.json().type).toBe('urn:grantry:problem:forbidden');
      }
      expect(await snapshot(t)).toEqual(before);

      // The admin installs, changes, reissues and uninstalls.
      const ins = (await expectRow('aAdmin', { route: 'POST /installations', url: '/installations', body: { organization_id: orgA, application_id: Q.appId, scopes: SCOPES }, status: 201 })).json();
      expect(ins.webhook_deliveries.length).toBeGreaterThan(0);
      await expectRow('aAdmin', { route: 'PATCH /installations/{id}', url: `/installations/${ins.id}`, body: { scopes: ['payments:read'] }, status: 200 });
      await expectRow('aAdmin', { route: 'POST /installations/{id}/reissue', url: `/installations/${ins.id}/reissue`, status: 201 });
      await expectRow('aAdmin', { route: 'DELETE /installations/{id}', url: `/installations/${ins.id}`, status: 204 });
      // The owner as well (by client_id too).
      const again = (await expectRow('aOwner', { route: 'POST /installations', url: '/installations', body: { organization_id: orgA, application_id: Q.clientId, scopes: ['payments:read'] }, status: 201 })).json();
      await expectRow('aOwner', { route: 'PATCH /installations/{id}', url: `/installations/${insA}`, body: { scopes: ['payments:read'] }, status: 200 });
      await expectRow('aOwner', { route: 'POST /installations/{id}/reissue', url: `/installations/${insA}/reissue`, status: 201 });
      await expectRow('aOwner', { route: 'DELETE /installations/{id}', url: `/installations/${again.id}`, status: 204 });

      // The owner or admin decides a decoupled request naming A.
      const approved = await expectRow('aAdmin', { route: 'POST /decoupled-requests/{id}/approve', url: `/decoupled-requests/${reqAOrg}/approve`, status: 200 });
      expect(approved.json()).toMatchObject({ status: 'approved', organization_id: orgA, decided_by: `user:${people.aAdmin.id}` });
      // B's owner decides the request naming them; A's members never could.
      await expectRow('bOwner', { route: 'POST /decoupled-requests/{id}/deny', url: `/decoupled-requests/${reqBUser}/deny`, status: 200 });
    });

    it('a member of the platform organization who is no platform administrator cannot change its applications (they hold grantry:admin)', async () => {
      const before = await snapshot(t);
      await expectRow('platformMember', { route: 'GET /applications/{id}', url: `/applications/${consoleApp.id}`, status: 200 });
      for (const row of [
        { route: 'PATCH /applications/{id}', url: `/applications/${consoleApp.id}`, body: { redirect_uris: ['https://evil.example/cb'] }, status: 403 },
        { route: 'POST /applications/{id}/secrets', url: `/applications/${adminApp.id}/secrets`, body: {}, status: 403 },
        { route: 'DELETE /applications/{id}', url: `/applications/${adminApp.id}`, status: 403 },
        { route: 'POST /applications/{id}/webhooks', url: `/applications/${adminApp.id}/webhooks`, body: { url: 'http://127.0.0.1:9/x', events: ['INSTALLATION.CREATE'] }, status: 403 },
        { route: 'POST /applications', url: '/applications', body: { name: 'Second admin', type: 'merchant', organization_id: platformOrg, scopes: ['grantry:admin'] }, status: 403 },
        { route: 'DELETE /organizations/{id}', url: `/organizations/${platformOrg}`, status: 403 },
        { route: 'GET /keys', url: '/keys', status: 403 },
      ] satisfies Row[]) {
        await expectRow('platformMember', row);
      }
      expect(await snapshot(t)).toEqual(before);
      expect((await call(tokens.platformMember!, 'GET', '/me')).json().platform_admin).toBe(false);
    });

    it('platform administrators, the admin application and a person with platform_admin, see and change everything', async () => {
      for (const who of ['adminApp', 'platformPerson']) {
        const token = tokens[who]!;
        expect((await all(token, '/organizations')).map((o) => o.id)).toEqual(expect.arrayContaining([platformOrg, orgA, orgB, P.orgId, Q.orgId]));
        expect((await all(token, '/applications')).map((o) => o.id)).toEqual(expect.arrayContaining([adminApp.id, consoleApp.id, appA.id, appB.id, P.appId, Q.appId]));
        expect((await all(token, '/installations')).map((o) => o.id)).toEqual(expect.arrayContaining([insA, insB, insQB]));
        expect((await all(token, '/webhook-deliveries')).map((o) => o.id)).toEqual(expect.arrayContaining([deliveryPB, deliveryQB]));
        expect((await all(token, '/decoupled-requests')).map((o) => o.id)).toEqual(expect.arrayContaining([reqBUser, reqBOrg, reqAOrg]));
        expect((await all(token, '/users')).map((o) => o.id)).toEqual(expect.arrayContaining(Object.values(people).map((p) => p.id)));
        for (const row of [
          { route: 'GET /organizations/{id}', url: `/organizations/${orgB}`, status: 200 },
          { route: 'GET /applications/{id}', url: `/applications/${appB.id}`, status: 200 },
          { route: 'GET /applications/{id}/secrets', url: `/applications/${appB.id}/secrets`, status: 200 },
          { route: 'GET /applications/{id}/webhooks', url: `/applications/${Q.appId}/webhooks`, status: 200 },
          { route: 'GET /installations/{id}', url: `/installations/${insQB}`, status: 200 },
          { route: 'GET /webhook-deliveries/{id}', url: `/webhook-deliveries/${deliveryQB}`, status: 200 },
          { route: 'GET /decoupled-requests/{id}', url: `/decoupled-requests/${reqBOrg}`, status: 200 },
          { route: 'GET /keys', url: '/keys', status: 200 },
          { route: 'GET /audit-events', url: '/audit-events', status: 200 },
          { route: 'GET /stats', url: '/stats', status: 200 },
          { route: 'GET /users/{id}', url: `/users/${people.bOwner.id}`, status: 200 },
          { route: 'GET /installations', url: `/installations?organization_id=${orgB}`, status: 200 },
        ] satisfies Row[]) {
          await expectRow(who, row);
        }
      }
      // The person changes what no member could: another tenant's application, the catalogue, the
      // platform's own applications, installations anywhere, people, keys.
      const pp = 'platformPerson';
      await expectRow(pp, { route: 'PATCH /applications/{id}', url: `/applications/${appB.id}`, body: { name: 'B ERP (checked)' }, status: 200 });
      await expectRow(pp, { route: 'PATCH /applications/{id}', url: `/applications/${consoleApp.id}`, body: { name: 'Console' }, status: 200 });
      await expectRow(pp, { route: 'POST /scopes', url: '/scopes', body: { scope: 'orders:read' }, status: 201 });
      await expectRow(pp, { route: 'PATCH /scopes/{scope}', url: '/scopes/orders:read', body: { description: 'See orders' }, status: 200 });
      await expectRow(pp, { route: 'DELETE /scopes/{scope}', url: '/scopes/orders:read', status: 204 });
      const org = (await expectRow(pp, { route: 'POST /organizations', url: '/organizations', body: { type: 'merchant', name: 'Shop C' }, status: 201 })).json();
      await expectRow(pp, { route: 'POST /installations/{id}/reissue', url: `/installations/${insQB}/reissue`, status: 201 });
      const user = (await expectRow(pp, { route: 'POST /users', url: '/users', body: { email: 'carol@roles.example', memberships: [{ organization_id: org.id, role: 'developer' }] }, status: 201 })).json();
      await expectRow(pp, { route: 'POST /users/{id}/setup-link', url: `/users/${user.id}/setup-link`, status: 201 });
      await expectRow(pp, { route: 'PATCH /users/{id}', url: `/users/${user.id}`, body: { name: 'Carol' }, status: 200 });
      await expectRow(pp, { route: 'PUT /users/{id}/memberships/{organization_id}', url: `/users/${user.id}/memberships/${orgB}`, body: { role: 'developer' }, status: 200 });
      await expectRow(pp, { route: 'DELETE /users/{id}/memberships/{organization_id}', url: `/users/${user.id}/memberships/${orgB}`, status: 200 });
      await expectRow(pp, { route: 'DELETE /users/{id}', url: `/users/${user.id}`, status: 204 });
      await expectRow(pp, { route: 'DELETE /organizations/{id}', url: `/organizations/${org.id}`, status: 204 });
      await expectRow(pp, { route: 'POST /keys/rotate', url: '/keys/rotate', status: 201 });
      await expectRow(pp, { route: 'POST /decoupled-requests/{id}/approve', url: `/decoupled-requests/${reqBOrg}/approve`, status: 200 });
      // The audit log names the person.
      const audit = (await call(adminTokenValue, 'GET', '/audit-events?action=key.rotated')).json().items;
      expect(audit[0].actor).toBe(`user:${people.platformPerson.id}`);
    });

    it('a membership removed takes effect on the next request, with the same token', async () => {
      expect((await call(tokens.aDev!, 'GET', `/applications/${appA.id}`)).statusCode).toBe(200);
      const put = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${people.aDev.id}/memberships/${orgA}`, headers: { authorization: `Bearer ${adminTokenValue}` } });
      expect(put.statusCode, put.body).toBe(200);
      expect((await call(tokens.aDev!, 'GET', `/applications/${appA.id}`)).statusCode).toBe(404);
      expect(ids(await call(tokens.aDev!, 'GET', '/organizations'))).toEqual([]);
      expect(ids(await call(tokens.aDev!, 'GET', '/applications'))).toEqual([]);
      expect(ids(await call(tokens.aDev!, 'GET', '/installations'))).toEqual([]);
      expect((await call(tokens.aDev!, 'GET', '/me')).json().memberships).toEqual([]);
      // The catalogue and the scope catalogue stay open to every signed-in person.
      expect((await call(tokens.aDev!, 'GET', '/catalog/applications')).statusCode).toBe(200);
      expect((await call(tokens.aDev!, 'GET', '/scopes')).statusCode).toBe(200);
    });

    it('a platform administrator cannot lock themselves out: no disabling, demoting or deleting oneself (409); another one can', async () => {
      const self = people.platformPerson.id;
      for (const [method, body] of [
        ['PATCH', { status: 'disabled' }],
        ['PATCH', { platform_admin: false }],
        ['DELETE', undefined],
      ] as const) {
        const res = await call(tokens.platformPerson!, method, `/users/${self}`, body);
        expect(res.statusCode, res.body).toBe(409);
        expect(res.json().detail).toMatch(/another platform administrator/);
      }
      expect((await call(tokens.platformPerson!, 'GET', '/me')).json().platform_admin).toBe(true);
      // Renaming oneself is fine; the admin application may demote the person.
      expect((await call(tokens.platformPerson!, 'PATCH', `/users/${self}`, { name: 'Still Admin' })).statusCode).toBe(200);
      const other = await createUser(t, { platformAdmin: true, email: 'second-admin@roles.example' });
      const demote = await call(tokens.adminApp!, 'PATCH', `/users/${other.id}`, { platform_admin: false });
      expect(demote.statusCode, demote.body).toBe(200);
      expect(demote.json().platform_admin).toBe(false);
    });

    it('every route of the management API was exercised above', async () => {
      const doc = (await t.app.inject('/api/v1/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, ops]) => Object.keys(ops).filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path.slice('/api/v1'.length)}`));
      expect(routes.length).toBeGreaterThan(40);
      // A new route needs its rows here (who sees it, who changes it).
      expect(routes.filter((r) => !covered.has(r)).sort()).toEqual([]);
    });
  });
});
