import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, basic, buildTestApp, form, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { deliveries, installAndReceive, merchantOrg, message, partnerApp, type Partner } from '../helpers/installations.js';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

describe.each(DIALECTS)('installations and the refresh_token grant on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let reusePartner: Partner;
    let rotatePartner: Partner;
    const creds = (p: Partner) => ({ id: p.clientId, secret: p.clientSecret });
    const refresh = (p: Partner, refresh_token: string, extra: Record<string, string> = {}) => tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token, ...extra }, creds(p));
    const introspect = (p: Partner, token: string) =>
      t.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(p.clientId, p.clientSecret) }, payload: form({ token }) });

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      a = api(t.app, await adminToken(t));
      reusePartner = await partnerApp(a);
      rotatePartner = await partnerApp(a, { refresh_policy: 'rotate' });
    });
    afterAll(async () => t?.close());
    // Tests that move the clock put it back, so the admin token and other fixtures stay valid.
    afterEach(() => t.clock.set(T0));

    it('installs in one transaction with an INSTALLATION.CREATE webhook carrying the credentials', async () => {
      const merchant = await merchantOrg(a);
      const { installation, data } = await installAndReceive(t, a, merchant, reusePartner, ['payments:read']);
      expect(installation).toMatchObject({ organization_id: merchant, application_id: reusePartner.appId, scopes: ['payments:read'], status: 'active', credentials_version: 1 });
      expect(data).toMatchObject({
        installation_id: installation.id,
        organization_id: merchant,
        client_id: reusePartner.clientId,
        scopes: ['payments:read'],
        credentials_version: 1,
        refresh_token: expect.stringMatching(/^grt_/),
        access_token: expect.any(String),
        token_type: 'Bearer',
        token_endpoint: 'http://grantry.test/oauth/token',
      });
      // Absolute times: a retry may arrive hours after minting. The webhook access token lives 5 minutes.
      expect(Date.parse(data.access_token_expires_at)).toBe(t.clock.now() + 300_000);
      expect(Date.parse(data.refresh_token_expires_at)).toBe(t.clock.now() + 30 * 86400_000);
      const at = claims(data.access_token);
      expect(at).toMatchObject({ sub: merchant, installation_id: installation.id, scope: 'payments:read', client_id: reusePartner.clientId, aud: 'payments' });
      expect(at.exp - at.iat).toBe(300);
      // The refresh token is stored only as a hash.
      const stored = await t.rt.db.db.selectFrom('refresh_tokens').select('hash').execute();
      expect(stored.map((r) => r.hash)).not.toContain(data.refresh_token);
    });

    it('refuses scopes outside the application, a non-merchant organization and a second live installation', async () => {
      const merchant = await merchantOrg(a);
      const bad = await a.post('/installations', { organization_id: merchant, application_id: reusePartner.appId, scopes: ['payments:read', 'refunds:create'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      const partnerAsMerchant = await a.post('/installations', { organization_id: reusePartner.orgId, application_id: reusePartner.appId, scopes: ['payments:read'] });
      expect(partnerAsMerchant.statusCode).toBe(400);
      await installAndReceive(t, a, merchant, reusePartner, ['payments:read']);
      const twice = await a.post('/installations', { organization_id: merchant, application_id: reusePartner.appId, scopes: ['payments:read'] });
      expect(twice.statusCode).toBe(409);
    });

    it('refreshes as seed 000 shows: Basic auth, 1 h token with the installation scopes, no new refresh token (reuse)', async () => {
      const merchant = await merchantOrg(a);
      const { installation, data } = await installAndReceive(t, a, merchant, reusePartner);
      for (let i = 0; i < 3; i++) {
        const res = await refresh(reusePartner, data.refresh_token);
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const body = res.json();
        expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'payments:create payments:read' });
        expect(claims(body.access_token)).toMatchObject({ sub: merchant, installation_id: installation.id, merchant_id: merchant, aud: 'payments' });
      }
    });

    it('answers invalid_grant to the credentials of another application, and to unknown tokens', async () => {
      const { data } = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      const other = await refresh(rotatePartner, data.refresh_token);
      expect(other.statusCode).toBe(400);
      expect(other.json().error).toBe('invalid_grant');
      for (const token of ['grt_unknown', 'not-a-token', 'x'.repeat(300)]) {
        const res = await refresh(reusePartner, token);
        expect(res.json().error).toBe('invalid_grant');
      }
      const missing = await tokenRequest(t.app, { grant_type: 'refresh_token' }, creds(reusePartner));
      expect(missing.json().error).toBe('invalid_request');
    });

    it('rotates one-time refresh tokens (seeds 002, 004) and revokes the previous access token', async () => {
      const { data } = await installAndReceive(t, a, await merchantOrg(a), rotatePartner);
      const first = await refresh(rotatePartner, data.refresh_token);
      expect(first.statusCode).toBe(200);
      const one = first.json();
      expect(one.refresh_token).toMatch(/^grt_/);
      expect(one.refresh_token).not.toBe(data.refresh_token);
      const second = await refresh(rotatePartner, one.refresh_token);
      expect(second.statusCode).toBe(200);
      const two = second.json();
      // Seed 002: "The existing access/refresh tokens will be revoked."
      expect((await introspect(rotatePartner, one.access_token)).json()).toEqual({ active: false });
      expect((await introspect(rotatePartner, two.access_token)).json()).toMatchObject({ active: true, scope: 'payments:create payments:read', token_type: 'Bearer' });
      expect((await introspect(rotatePartner, one.refresh_token)).json()).toEqual({ active: false });
      expect((await introspect(rotatePartner, two.refresh_token)).json()).toMatchObject({ active: true, token_type: 'refresh_token', client_id: rotatePartner.clientId });
    });

    it('narrows scope on request and refuses added scopes (seed 002)', async () => {
      const { data } = await installAndReceive(t, a, await merchantOrg(a), rotatePartner, ['payments:read']);
      const narrowedReuse = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      const narrowed = await refresh(reusePartner, narrowedReuse.data.refresh_token, { scope: 'payments:read' });
      expect(narrowed.json().scope).toBe('payments:read');
      const added = await refresh(rotatePartner, data.refresh_token, { scope: 'payments:read payments:create' });
      expect(added.statusCode).toBe(400);
      expect(added.json().error).toBe('invalid_scope');
      // The refused request did not spend the token.
      expect((await refresh(rotatePartner, data.refresh_token)).statusCode).toBe(200);
    });

    it('detects reuse: the whole family is revoked, audited and announced', async () => {
      const { installation, data } = await installAndReceive(t, a, await merchantOrg(a), rotatePartner);
      const next = (await refresh(rotatePartner, data.refresh_token)).json();
      const replay = await refresh(rotatePartner, data.refresh_token);
      expect(replay.statusCode).toBe(400);
      expect(replay.json().error).toBe('invalid_grant');
      // The legitimate successor dies with the family: one of the two users was an attacker.
      expect((await refresh(rotatePartner, next.refresh_token)).json().error).toBe('invalid_grant');
      expect((await introspect(rotatePartner, next.access_token)).json().active).toBe(false);
      const audit = (await a.get(`/audit-events?action=refresh_token.reuse_detected&target_id=${installation.id}`)).json();
      expect(audit.items).toHaveLength(1);
      const rows = await deliveries(t, installation.id);
      const reuse = rows.filter((r) => r.event_type === 'REFRESH_TOKEN.REUSE_DETECTED');
      expect(reuse).toHaveLength(1);
      expect(message(t, reuse[0]!).data).toMatchObject({ installation_id: installation.id, client_id: rotatePartner.clientId });
    });

    it('replays the same successor within the grace period, for the immediate predecessor only', async () => {
      const graced = await partnerApp(a, { refresh_policy: 'rotate', refresh_grace_period: 30 });
      const { data } = await installAndReceive(t, a, await merchantOrg(a), graced);
      const first = (await refresh(graced, data.refresh_token)).json();
      t.clock.advance(10_000);
      const again = await refresh(graced, data.refresh_token);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first);
      // The family did not branch: the successor still rotates normally.
      const second = (await refresh(graced, first.refresh_token)).json();
      expect(second.refresh_token).toBeDefined();
      // The first token is two generations back now: reuse, even within 30 s.
      const stale = await refresh(graced, data.refresh_token);
      expect(stale.json().error).toBe('invalid_grant');
      expect((await refresh(graced, second.refresh_token)).json().error).toBe('invalid_grant');
    });

    it('treats a replay after the grace period as reuse', async () => {
      const graced = await partnerApp(a, { refresh_policy: 'rotate', refresh_grace_period: 5 });
      const { data } = await installAndReceive(t, a, await merchantOrg(a), graced);
      const first = (await refresh(graced, data.refresh_token)).json();
      t.clock.advance(6_000);
      expect((await refresh(graced, data.refresh_token)).json().error).toBe('invalid_grant');
      expect((await refresh(graced, first.refresh_token)).json().error).toBe('invalid_grant');
    });

    it('expires an idle refresh token after 30 days; each use starts a new period', async () => {
      const { data } = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      t.clock.advance(29 * 86400_000);
      expect((await refresh(reusePartner, data.refresh_token)).statusCode).toBe(200);
      t.clock.advance(29 * 86400_000);
      expect((await refresh(reusePartner, data.refresh_token)).statusCode).toBe(200);
      t.clock.advance(31 * 86400_000);
      expect((await refresh(reusePartner, data.refresh_token)).json().error).toBe('invalid_grant');
    });

    it('caps a family at its absolute age, which rotation never extends', async () => {
      const capped = await partnerApp(a, { refresh_policy: 'rotate', refresh_family_max_age: 7200 });
      const { data } = await installAndReceive(t, a, await merchantOrg(a), capped);
      let token = data.refresh_token as string;
      for (let i = 0; i < 3; i++) {
        t.clock.advance(2000_000);
        const res = await refresh(capped, token);
        expect(res.statusCode).toBe(200);
        token = res.json().refresh_token;
      }
      t.clock.advance(2000_000);
      expect((await refresh(capped, token)).json().error).toBe('invalid_grant');
    });

    it('changes scopes with INSTALLATION.UPDATE; the old token works until the new one is first used', async () => {
      const { installation, data } = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      const patched = await a.patch(`/installations/${installation.id}`, { scopes: ['payments:read'] });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().credentials_version).toBe(2);
      const rows = await deliveries(t, installation.id);
      const update = rows.find((r) => r.event_type === 'INSTALLATION.UPDATE')!;
      const v2 = message(t, update).data;
      expect(v2).toMatchObject({ credentials_version: 2, scopes: ['payments:read'] });
      // The old token still works, narrowed to the new grant.
      const old = await refresh(reusePartner, data.refresh_token);
      expect(old.statusCode).toBe(200);
      expect(old.json().scope).toBe('payments:read');
      // First use of the new one counts as receipt: the delivery stops, the old token dies.
      expect((await refresh(reusePartner, v2.refresh_token)).statusCode).toBe(200);
      expect((await refresh(reusePartner, data.refresh_token)).json().error).toBe('invalid_grant');
      const after = await deliveries(t, installation.id);
      expect(after.find((r) => r.id === update.id)).toMatchObject({ status: 'cancelled', payload_sealed: null });
    });

    it('supersedes an older pending credentials message with a newer one', async () => {
      const { installation, deliveryId } = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      await a.post(`/installations/${installation.id}/reissue`);
      const rows = await deliveries(t, installation.id);
      expect(rows.find((r) => r.id === deliveryId)).toMatchObject({ status: 'superseded', payload_sealed: null });
      expect(rows.filter((r) => r.status === 'pending')).toHaveLength(1);
    });

    it('keeps every access token of a reuse-policy family live; a rotating family keeps only its latest', async () => {
      const reused = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      const first = (await refresh(reusePartner, reused.data.refresh_token)).json().access_token;
      const second = (await refresh(reusePartner, reused.data.refresh_token)).json().access_token;
      for (const at of [reused.data.access_token, first, second]) expect((await introspect(reusePartner, at)).json().active).toBe(true);

      const rotated = await installAndReceive(t, a, await merchantOrg(a), rotatePartner);
      const one = (await refresh(rotatePartner, rotated.data.refresh_token)).json();
      const two = (await refresh(rotatePartner, one.refresh_token)).json();
      for (const at of [rotated.data.access_token, one.access_token]) expect((await introspect(rotatePartner, at)).json()).toEqual({ active: false });
      expect((await introspect(rotatePartner, two.access_token)).json().active).toBe(true);
    });

    it('uninstalls: refresh tokens stop at once, access tokens turn inactive, INSTALLATION.DELETE is sent', async () => {
      const { installation, data } = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      const at = (await refresh(reusePartner, data.refresh_token)).json().access_token;
      expect((await introspect(reusePartner, at)).json().active).toBe(true);
      expect((await a.delete(`/installations/${installation.id}`)).statusCode).toBe(204);
      expect((await refresh(reusePartner, data.refresh_token)).json().error).toBe('invalid_grant');
      expect((await introspect(reusePartner, at)).json()).toEqual({ active: false });
      expect((await introspect(reusePartner, data.access_token)).json()).toEqual({ active: false });
      const rows = await deliveries(t, installation.id);
      expect(rows.find((r) => r.event_type === 'INSTALLATION.CREATE')).toMatchObject({ status: 'cancelled', payload_sealed: null });
      const del = rows.find((r) => r.event_type === 'INSTALLATION.DELETE')!;
      expect(message(t, del)).toMatchObject({ type: 'INSTALLATION.DELETE', data: { installation_id: installation.id } });
      expect((await a.delete(`/installations/${installation.id}`)).statusCode).toBe(409);
      expect((await a.get(`/installations/${installation.id}`)).json().status).toBe('uninstalled');
    });

    it('revokes a refresh token family and access tokens (RFC 7009)', async () => {
      const { data } = await installAndReceive(t, a, await merchantOrg(a), rotatePartner);
      const pair = (await refresh(rotatePartner, data.refresh_token)).json();
      const revoke = (p: Partner, token: string) =>
        t.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(p.clientId, p.clientSecret) }, payload: form({ token }) });
      // Another client may not revoke it.
      expect((await revoke(reusePartner, pair.refresh_token)).json().error).toBe('unauthorized_client');
      const res = await revoke(rotatePartner, pair.refresh_token);
      expect(res.statusCode).toBe(200);
      expect((await refresh(rotatePartner, pair.refresh_token)).json().error).toBe('invalid_grant');
      expect((await introspect(rotatePartner, pair.access_token)).json().active).toBe(false);
      // Unknown tokens answer 200 (RFC 7009 §2.2); a missing token is invalid_request.
      expect((await revoke(rotatePartner, 'grt_nothing')).statusCode).toBe(200);
      expect((await revoke(rotatePartner, 'garbage')).statusCode).toBe(200);
      const missing = await t.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rotatePartner.clientId, rotatePartner.clientSecret) }, payload: '' });
      expect(missing.json().error).toBe('invalid_request');
      // An access token alone.
      const other = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      const at = (await refresh(reusePartner, other.data.refresh_token)).json().access_token;
      expect((await revoke(reusePartner, at)).statusCode).toBe(200);
      expect((await introspect(reusePartner, at)).json().active).toBe(false);
      expect((await refresh(reusePartner, other.data.refresh_token)).statusCode).toBe(200);
    });

    it('introspects only for the owning client, unless the caller may introspect everything', async () => {
      const { data } = await installAndReceive(t, a, await merchantOrg(a), reusePartner);
      const at = (await refresh(reusePartner, data.refresh_token)).json().access_token;
      expect((await introspect(rotatePartner, at)).json()).toEqual({ active: false });
      expect((await introspect(rotatePartner, data.refresh_token)).json()).toEqual({ active: false });
      const platform = (await a.get('/organizations?type=platform')).json().items[0].id;
      const rs = (await a.post('/applications', { name: 'Payments API', type: 'merchant', organization_id: platform, scopes: ['grantry:introspect'] })).json();
      const seen = (await introspect({ orgId: platform, appId: rs.id, clientId: rs.client_id, clientSecret: rs.client_secret }, at)).json();
      expect(seen).toMatchObject({ active: true, client_id: reusePartner.clientId, sub: expect.stringMatching(/^org_/), installation_id: expect.stringMatching(/^ins_/) });
      const unauth = await t.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ token: at }) });
      expect(unauth.statusCode).toBe(401);
    });

    it('gives exactly one success to 50 concurrent refreshes of one rotating token, and never a 500', async () => {
      const { data } = await installAndReceive(t, a, await merchantOrg(a), rotatePartner);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/oauth/token`;
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rotatePartner.clientId, rotatePartner.clientSecret) },
            body: form({ grant_type: 'refresh_token', refresh_token: data.refresh_token }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } })),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      const failures = results.filter((r) => r.status !== 200);
      expect(failures).toHaveLength(49);
      expect(failures.every((r) => r.status === 400 && r.body.error === 'invalid_grant')).toBe(true);
    });
  });
});
