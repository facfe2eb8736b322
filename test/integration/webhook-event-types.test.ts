import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, buildTestApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { deliveries, installAndReceive, merchantOrg, message, partnerApp, type DeliveryRow, type Partner } from '../helpers/installations.js';
import { createUser, firstPartySignIn } from '../helpers/web.js';
import { WEBHOOK_EVENT_CATALOG, validateWebhookMessage, webhookEventView } from '../../src/webhooks/catalog.js';

const REDIRECT = 'http://127.0.0.1:1/console/callback';

/**
 * The webhook event catalogue against the code that sends the events: every message the real code
 * paths put in the outbox validates against its schema, and GET /api/v1/webhook-event-types serves
 * the catalogue to any authenticated caller of the management API.
 */
describe.each(DIALECTS)('webhook event types on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let adminBearer: string;
    let partner: Partner;

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      adminBearer = await adminToken(t);
      a = api(t.app, adminBearer);
      // Rotating refresh tokens, so presenting a spent one is reuse.
      partner = await partnerApp(a, { refresh_policy: 'rotate' });
    });
    afterAll(async () => t?.close());
    afterEach(() => t.clock.set(T0));

    /** Every message in the outbox for the installation, each checked against the catalogue. */
    async function expectValidOutbox(installationId: string, types: string[]): Promise<void> {
      const rows = await deliveries(t, installationId);
      expect(rows.map((r) => r.event_type).sort()).toEqual([...types].sort());
      for (const row of rows) {
        const m = message(t, row);
        expect(m.type).toBe(row.event_type);
        expect(validateWebhookMessage(m), `${row.event_type}: ${JSON.stringify(m.data)}`).toEqual([]);
      }
    }

    it('every event the installation and refresh code paths send validates against the catalogue', async () => {
      const merchant = await merchantOrg(a);
      const { installation, data } = await installAndReceive(t, a, merchant, partner, ['payments:read']);
      // Scope change and reissue: two INSTALLATION.UPDATE messages.
      expect((await a.patch(`/installations/${installation.id}`, { scopes: ['payments:create', 'payments:read'] })).statusCode).toBe(200);
      expect((await a.post(`/installations/${installation.id}/reissue`)).statusCode).toBe(201);
      // Reuse: the first refresh token of the family rotated, then presented again.
      const creds = { id: partner.clientId, secret: partner.clientSecret };
      expect((await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: data.refresh_token }, creds)).statusCode).toBe(200);
      expect((await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: data.refresh_token }, creds)).json().error).toBe('invalid_grant');
      // Pending messages are checked before the uninstall cancels them (and erases their payloads).
      const before = await deliveries(t, installation.id);
      for (const row of before.filter((r) => r.payload_sealed !== null)) expect(validateWebhookMessage(message(t, row)), row.event_type).toEqual([]);
      expect(before.map((r) => r.event_type)).toEqual(expect.arrayContaining(['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'REFRESH_TOKEN.REUSE_DETECTED']));
      expect((await a.delete(`/installations/${installation.id}`)).statusCode).toBe(204);
      const rows = await deliveries(t, installation.id);
      const del = rows.find((r) => r.event_type === 'INSTALLATION.DELETE')!;
      expect(validateWebhookMessage(message(t, del))).toEqual([]);
    });

    it('the test event (POST .../webhooks/:webhook_id/test) validates against the catalogue and carries no credentials', async () => {
      const hooks = (await a.get(`/applications/${partner.appId}/webhooks`)).json().items as { id: string }[];
      const sent = await a.post(`/applications/${partner.appId}/webhooks/${hooks[0]!.id}/test`);
      expect(sent.statusCode, sent.body).toBe(202);
      const rows = (await t.rt.db.db
        .selectFrom('webhook_deliveries')
        .select(['id', 'status', 'event_type', 'installation_id', 'credentials_version', 'payload_sealed'])
        .where('event_type', '=', 'WEBHOOK.TEST')
        .execute()) as DeliveryRow[];
      expect(rows).toHaveLength(1);
      const m = message(t, rows[0]!);
      expect(validateWebhookMessage(m)).toEqual([]);
      expect(m.data).toEqual({ application_id: partner.appId, webhook_id: hooks[0]!.id, test: true });
    });

    it('a refresh token that never expires is sent as null, which the schema allows', async () => {
      const forever = await partnerApp(a, { refresh_token_ttl: 0 });
      const { installation, data } = await installAndReceive(t, a, await merchantOrg(a), forever);
      expect(data.refresh_token_expires_at).toBeNull();
      await expectValidOutbox(installation.id, ['INSTALLATION.CREATE']);
    });

    it('GET /webhook-event-types requires a bearer token', async () => {
      const none = await t.app.inject({ method: 'GET', url: '/api/v1/webhook-event-types' });
      expect(none.statusCode).toBe(401);
      const bogus = await t.app.inject({ method: 'GET', url: '/api/v1/webhook-event-types', headers: { authorization: 'Bearer not-a-token' } });
      expect(bogus.statusCode).toBe(401);
    });

    it('serves the whole catalogue to a platform administrator, a partner member and a merchant member', async () => {
      const platformOrg = (await a.get('/organizations?type=platform')).json().items[0].id as string;
      const created = await a.post('/applications', { name: 'Console', type: 'public', organization_id: platformOrg, scopes: ['grantry:console'], redirect_uris: [REDIRECT] });
      expect(created.statusCode, created.body).toBe(201);
      const consoleApp = created.json() as { client_id: string };
      const personToken = async (organizationId: string) => {
        const user = await createUser(t, { organizationId, role: 'developer' });
        const res = await firstPartySignIn(t.app, { clientId: consoleApp.client_id, redirectUri: REDIRECT }, user);
        expect(res.statusCode, res.body).toBe(200);
        return res.json().access_token as string;
      };
      const callers = { admin: adminBearer, partnerDeveloper: await personToken(partner.orgId), merchantDeveloper: await personToken(await merchantOrg(a)) };
      const expected = JSON.parse(JSON.stringify({ items: WEBHOOK_EVENT_CATALOG.map(webhookEventView) }));
      for (const [who, token] of Object.entries(callers)) {
        const res = await api(t.app, token).get('/webhook-event-types');
        expect(res.statusCode, `${who}: ${res.body.slice(0, 200)}`).toBe(200);
        // Exactly the catalogue: the response schema strips nothing from the JSON Schemas or examples.
        expect(res.json(), who).toEqual(expected);
      }
      const body = (await a.get('/webhook-event-types')).json() as { items: { type: string; subscribable: boolean; carries_credentials: boolean; description: string; example: unknown; schema: { properties: object } }[] };
      expect(body.items.map((i) => i.type)).toEqual(['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED', 'WEBHOOK.TEST']);
      for (const item of body.items) {
        expect(item.description.length, item.type).toBeGreaterThan(80);
        expect(Object.keys(item.schema.properties).length, item.type).toBeGreaterThan(0);
        expect(validateWebhookMessage(item.example), item.type).toEqual([]);
      }
      expect(body.items.find((i) => i.type === 'WEBHOOK.TEST')).toMatchObject({ subscribable: false, carries_credentials: false });
    });

    it('is in the OpenAPI document with its response schema', async () => {
      const doc = (await t.app.inject('/api/v1/openapi.json')).json();
      const op = doc.paths['/api/v1/webhook-event-types']?.get;
      expect(op).toBeDefined();
      expect(op.security).toEqual([{ bearerAuth: [] }]);
      expect(JSON.stringify(op.responses['200'])).toContain('#/components/schemas/WebhookEventType');
      const schema = JSON.stringify(doc.components.schemas.WebhookEventType);
      for (const field of ['type', 'description', 'subscribable', 'carries_credentials', 'schema', 'example']) expect(schema, field).toContain(`"${field}"`);
    });
  });
});
