import type { TestApp, Api } from './app.js';

export interface Partner {
  orgId: string;
  appId: string;
  clientId: string;
  clientSecret: string;
}

/** A partner organization with an installable application and a webhook subscription for credentials. */
export async function partnerApp(a: Api, extra: Record<string, unknown> = {}, scopes = ['payments:create', 'payments:read']): Promise<Partner> {
  for (const scope of scopes) {
    const r = await a.post('/scopes', { scope, description: `Allows ${scope}` });
    if (r.statusCode !== 201 && r.statusCode !== 409) throw new Error(r.body);
  }
  const org = await a.post('/organizations', { type: 'partner', name: 'Partner Co' });
  const app = await a.post('/applications', { name: 'Partner App', type: 'third_party', organization_id: org.json().id, scopes, ...extra });
  if (app.statusCode !== 201) throw new Error(app.body);
  const body = app.json();
  const hook = await a.post(`/applications/${body.id}/webhooks`, {
    // No DNS in tests: a loopback address, allowed by webhookAllowedNetworks in these suites.
    url: 'http://127.0.0.1:9/grantry',
    events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED'],
  });
  if (hook.statusCode !== 201) throw new Error(hook.body);
  return { orgId: org.json().id, appId: body.id, clientId: body.client_id, clientSecret: body.client_secret };
}

export async function merchantOrg(a: Api, name = 'Merchant'): Promise<string> {
  return (await a.post('/organizations', { type: 'merchant', name })).json().id;
}

export interface DeliveryRow {
  id: string;
  status: string;
  event_type: string;
  installation_id: string | null;
  credentials_version: number | null;
  payload_sealed: string | null;
}

export async function deliveries(t: TestApp, installationId: string): Promise<DeliveryRow[]> {
  return (await t.rt.db.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'status', 'event_type', 'installation_id', 'credentials_version', 'payload_sealed'])
    .where('installation_id', '=', installationId)
    .orderBy('id')
    .execute()) as DeliveryRow[];
}

/** The message a delivery would send, read from the outbox (the worker is not running in these tests). */
export function message(t: TestApp, row: DeliveryRow): { type: string; timestamp: string; data: Record<string, any> } {
  if (!row.payload_sealed) throw new Error(`delivery ${row.id} has no payload (status ${row.status})`);
  return JSON.parse(t.rt.box.decrypt(row.payload_sealed, `webhook_deliveries:${row.id}`).toString('utf8'));
}

/** Installs and returns the credentials the INSTALLATION.CREATE webhook carries. */
export async function installAndReceive(t: TestApp, a: Api, merchantId: string, partner: Partner, scopes = ['payments:create', 'payments:read']) {
  const res = await a.post('/installations', { organization_id: merchantId, application_id: partner.appId, scopes });
  if (res.statusCode !== 201) throw new Error(res.body);
  const installation = res.json();
  const rows = await deliveries(t, installation.id);
  const created = rows.find((r) => r.event_type === 'INSTALLATION.CREATE');
  if (!created) throw new Error('no INSTALLATION.CREATE delivery');
  return { installation, data: message(t, created).data, deliveryId: created.id };
}
