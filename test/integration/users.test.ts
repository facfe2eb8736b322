import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { verifyPassword } from '../../src/crypto/password.js';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { ISSUER, adminToken, api, buildTestApp, type Api, type TestApp } from '../helpers/app.js';

interface UserJson {
  id: string;
  email: string;
  name: string;
  platform_admin: boolean;
  status: 'active' | 'disabled';
  has_password: boolean;
  memberships: { organization_id: string; role: string }[];
  setup_link?: string;
  setup_link_expires_at?: number;
}

const expectProblem = (res: LightMyRequestResponse, status: number, kind: string) => {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ type: `urn:grantry:problem:${kind}`, status, title: expect.any(String), detail: expect.any(String) });
  return res.json() as { detail: string; errors?: { field: string; message: string }[] };
};

const PASSWORD = 'correct horse battery staple';
const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

describe.each(DIALECTS)('users (management API) on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let token: string;
    let merchant: string;
    let partner: string;
    const put = (url: string, body: unknown) =>
      t.app.inject({ method: 'PUT', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const createOrg = async (type: string, name: string) => {
      const r = await a.post('/organizations', { type, name });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id as string;
    };
    const create = async (body: Record<string, unknown>) => {
      const r = await a.post('/users', body);
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as UserJson;
    };

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      token = await adminToken(t);
      a = api(t.app, token);
      merchant = await createOrg('merchant', 'Acme');
      partner = await createOrg('partner', 'Builders');
    });
    afterAll(async () => t?.close());

    it('creates a user with a password: stored as an scrypt hash only, no setup link', async () => {
      const u = await create({ email: '  Alice@Example.COM ', name: 'Alice', password: PASSWORD, memberships: [{ organization_id: merchant, role: 'owner' }] });
      expect(u).toMatchObject({ email: 'alice@example.com', name: 'Alice', platform_admin: false, status: 'active', has_password: true, memberships: [{ organization_id: merchant, role: 'owner' }] });
      expect(u).not.toHaveProperty('setup_link');
      expect(JSON.stringify(u)).not.toContain('scrypt');
      const row = await t.rt.db.db.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toBe(PASSWORD);
      expect(row.password_hash).not.toContain(PASSWORD);
      expect((await verifyPassword(PASSWORD, row.password_hash!)).ok).toBe(true);
      expect(await t.rt.db.db.selectFrom('setup_tokens').selectAll().where('user_id', '=', u.id).execute()).toEqual([]);
      const shown = await a.get(`/users/${u.id}`);
      expect(shown.json()).toEqual(u);
      expect((await a.get(`/users/alice@example.com`)).json().id).toBe(u.id);
    });

    it('creates a user without a password: a one-time setup link whose token is stored only as a keyed hash', async () => {
      const u = await create({ email: 'bob@example.com', memberships: [{ organization_id: merchant, role: 'developer' }, { organization_id: partner, role: 'admin' }] });
      expect(u.has_password).toBe(false);
      expect(u.setup_link).toMatch(new RegExp(`^${ISSUER}/setup\\?token=gsu_[A-Za-z0-9_-]{43}$`));
      expect(u.setup_link_expires_at).toBe(t.clock.now() + 72 * 3600 * 1000);
      expect(u.memberships).toEqual(expect.arrayContaining([{ organization_id: merchant, role: 'developer' }, { organization_id: partner, role: 'admin' }]));
      const clear = tokenOf(u.setup_link!);
      const rows = await t.rt.db.db.selectFrom('setup_tokens').selectAll().where('user_id', '=', u.id).execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(clear);
      expect(JSON.stringify(rows)).not.toContain(clear.slice(4));
      expect(rows[0]!.hash).toBe(t.rt.hasher.hash(clear));
      expect(Number(rows[0]!.used_at ?? 0)).toBe(0);
      // The token works once.
      expect(await t.rt.stores.users.peekSetupToken(t.rt.hasher.hash(clear), t.clock.now())).toBe(u.id);
      expect(await t.rt.stores.users.consumeSetupToken(t.rt.hasher.hash(clear), t.clock.now())).toBe(u.id);
      expect(await t.rt.stores.users.consumeSetupToken(t.rt.hasher.hash(clear), t.clock.now())).toBeNull();
      // GET never shows a link again.
      expect((await a.get(`/users/${u.id}`)).json()).not.toHaveProperty('setup_link');
    });

    it('refuses a duplicate email (any case) with 409, and bad input with 400 problems', async () => {
      expectProblem(await a.post('/users', { email: 'ALICE@example.com', password: PASSWORD }), 409, 'conflict');
      const badRole = expectProblem(await a.post('/users', { email: 'x@example.com', memberships: [{ organization_id: merchant, role: 'superuser' }] }), 400, 'invalid_input');
      expect(badRole.errors?.[0]?.field).toBe('memberships.0.role');
      const badOrg = expectProblem(await a.post('/users', { email: 'x@example.com', memberships: [{ organization_id: 'org_nope', role: 'owner' }] }), 400, 'invalid_input');
      expect(badOrg.errors?.[0]).toMatchObject({ field: 'memberships.0.organization_id', message: expect.stringContaining('does not exist') });
      expect(expectProblem(await a.post('/users', { email: 'not-an-email' }), 400, 'invalid_input').errors?.[0]?.field).toBe('email');
      expect(expectProblem(await a.post('/users', { email: 'x@example.com', password: 'short' }), 400, 'invalid_input').errors?.[0]?.field).toBe('password');
      expectProblem(await a.post('/users', { email: 'x@example.com', is_admin: true }), 400, 'invalid_input');
      // Nothing was created by the refused requests.
      expect(await t.rt.stores.users.getByEmail('x@example.com')).toBeNull();
      expectProblem(await a.get('/users/usr_nope'), 404, 'not_found');
    });

    it('manages memberships and protects the last owner of an organization', async () => {
      const alice = (await a.get('/users/alice@example.com')).json() as UserJson;
      const bob = (await a.get('/users/bob@example.com')).json() as UserJson;
      // Alice is the only owner of the merchant: no demotion, no removal, no deletion.
      expectProblem(await put(`/users/${alice.id}/memberships/${merchant}`, { role: 'admin' }), 409, 'conflict');
      expectProblem(await a.delete(`/users/${alice.id}/memberships/${merchant}`), 409, 'conflict');
      expectProblem(await a.delete(`/users/${alice.id}`), 409, 'conflict');
      expectProblem(await put(`/users/${bob.id}/memberships/${merchant}`, { role: 'boss' }), 400, 'invalid_input');
      expectProblem(await put(`/users/${bob.id}/memberships/org_nope`, { role: 'owner' }), 404, 'not_found');
      // Bob becomes owner; then Alice may step down.
      const promoted = await put(`/users/${bob.id}/memberships/${merchant}`, { role: 'owner' });
      expect(promoted.statusCode, promoted.body).toBe(200);
      expect(promoted.json().memberships).toContainEqual({ organization_id: merchant, role: 'owner' });
      const demoted = await put(`/users/${alice.id}/memberships/${merchant}`, { role: 'developer' });
      expect(demoted.statusCode, demoted.body).toBe(200);
      expect(demoted.json().memberships).toEqual([{ organization_id: merchant, role: 'developer' }]);
      // A new membership, then its removal.
      expect((await put(`/users/${alice.id}/memberships/${partner}`, { role: 'developer' })).json().memberships).toHaveLength(2);
      const removed = await a.delete(`/users/${alice.id}/memberships/${partner}`);
      expect(removed.statusCode).toBe(200);
      expect(removed.json().memberships).toEqual([{ organization_id: merchant, role: 'developer' }]);
      expectProblem(await a.delete(`/users/${alice.id}/memberships/${partner}`), 404, 'not_found');
      // Bob is now the last owner.
      expectProblem(await a.delete(`/users/${bob.id}/memberships/${merchant}`), 409, 'conflict');
    });

    it('lists users with keyset pages and an organization filter', async () => {
      const carol = await create({ email: 'carol@example.com', password: PASSWORD, platform_admin: true });
      const all = (await a.get('/users')).json();
      expect(all.items.map((u: UserJson) => u.email)).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
      expect(all.next_cursor).toBeNull();
      const first = (await a.get('/users?limit=2')).json();
      expect(first.items).toHaveLength(2);
      const second = (await a.get(`/users?limit=2&cursor=${first.next_cursor}`)).json();
      expect(second.items.map((u: UserJson) => u.id)).toEqual([carol.id]);
      const ofPartner = (await a.get(`/users?organization_id=${partner}`)).json();
      expect(ofPartner.items.map((u: UserJson) => u.email)).toEqual(['bob@example.com']);
      for (const u of all.items) expect(JSON.stringify(u)).not.toMatch(/scrypt|password_hash/);
    });

    it('updates a user; disabling or a new password ends their sessions', async () => {
      const carol = (await a.get('/users/carol@example.com')).json() as UserJson;
      const session = (hash: string) => t.rt.stores.sessions.create({ hash, userId: carol.id, createdAt: t.clock.now(), expiresAt: t.clock.now() + 3600_000, lastSeenAt: t.clock.now() });
      await session('s1');
      await session('s2');
      const renamed = await a.patch(`/users/${carol.id}`, { name: 'Carol C.', platform_admin: false });
      expect(renamed.json()).toMatchObject({ name: 'Carol C.', platform_admin: false, status: 'active' });
      expect(await t.rt.stores.sessions.get('s1')).not.toBeNull();
      const disabled = await a.patch(`/users/${carol.id}`, { status: 'disabled' });
      expect(disabled.json().status).toBe('disabled');
      expect(await t.rt.stores.sessions.get('s1')).toBeNull();
      expect(await t.rt.stores.sessions.get('s2')).toBeNull();
      expectProblem(await a.patch(`/users/${carol.id}`, { status: 'asleep' }), 400, 'invalid_input');
      expect((await a.patch(`/users/${carol.id}`, { status: 'active' })).json().status).toBe('active');
      await session('s3');
      const before = (await t.rt.stores.users.get(carol.id))!.passwordHash;
      const newPassword = 'another long passphrase';
      expect((await a.patch(`/users/${carol.id}`, { password: newPassword })).statusCode).toBe(200);
      expect(await t.rt.stores.sessions.get('s3')).toBeNull();
      const after = (await t.rt.stores.users.get(carol.id))!.passwordHash!;
      expect(after).not.toBe(before);
      expect((await verifyPassword(newPassword, after)).ok).toBe(true);
    });

    it('creates a new setup link (a reset by an administrator)', async () => {
      const alice = (await a.get('/users/alice@example.com')).json() as UserJson;
      t.clock.advance(1000);
      const r = await a.post(`/users/${alice.id}/setup-link`);
      expect(r.statusCode, r.body).toBe(201);
      const body = r.json();
      expect(body).toMatchObject({ user_id: alice.id, setup_link: expect.stringMatching(/\/setup\?token=gsu_/), setup_link_expires_at: t.clock.now() + 72 * 3600 * 1000 });
      const clear = tokenOf(body.setup_link);
      const rows = await t.rt.db.db.selectFrom('setup_tokens').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(clear);
      expect(await t.rt.stores.users.peekSetupToken(t.rt.hasher.hash(clear), t.clock.now())).toBe(alice.id);
      // Expired after its lifetime.
      expect(await t.rt.stores.users.peekSetupToken(t.rt.hasher.hash(clear), t.clock.now() + 72 * 3600 * 1000)).toBeNull();
      expectProblem(await a.post('/users/usr_nope/setup-link'), 404, 'not_found');
    });

    it('deletes a user (204) and audits every change without a password or token', async () => {
      const carol = (await a.get('/users/carol@example.com')).json() as UserJson;
      const del = await a.delete(`/users/${carol.id}`);
      expect(del.statusCode).toBe(204);
      expectProblem(await a.get(`/users/${carol.id}`), 404, 'not_found');
      expectProblem(await a.delete(`/users/${carol.id}`), 404, 'not_found');
      const events = (await a.get('/audit-events?limit=200')).json().items as { action: string; target_type: string; target_id: string; data: unknown; actor: string }[];
      const actions = new Set(events.filter((e) => e.target_type === 'user').map((e) => e.action));
      for (const action of ['user.created', 'user.updated', 'user.deleted', 'user.membership_set', 'user.membership_removed', 'user.setup_link_created']) expect(actions, action).toContain(action);
      const carolEvents = events.filter((e) => e.target_id === carol.id).map((e) => e.action);
      expect(carolEvents).toEqual(expect.arrayContaining(['user.created', 'user.updated', 'user.deleted']));
      expect(events.find((e) => e.action === 'user.created')!.actor).toMatch(/^app:/);
      const dump = JSON.stringify(events);
      expect(dump).not.toContain(PASSWORD);
      expect(dump).not.toContain('another long passphrase');
      expect(dump).not.toMatch(/scrypt|gsu_/);
    });

    it('is in the OpenAPI document', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      for (const p of ['/api/v1/users', '/api/v1/users/{id}', '/api/v1/users/{id}/memberships/{organization_id}', '/api/v1/users/{id}/setup-link']) expect(doc.paths, p).toHaveProperty([p]);
      expect(Object.keys(doc.paths['/api/v1/users/{id}/memberships/{organization_id}'])).toEqual(expect.arrayContaining(['put', 'delete']));
    });

    it('requires the admin bearer token', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/users' });
      expectProblem(res, 401, 'unauthorized');
    });
  });
});
