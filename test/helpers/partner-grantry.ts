/**
 * A real Grantry HTTP server in the test process for the partner kit's suites: `startServer` (the
 * same code `grantry serve` runs: HTTP, webhook worker, real clock) on a free port, a management-API
 * client over HTTP, and helpers to create a partner application with a webhook to a receiver.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { initialize } from '../../src/admin/bootstrap.js';
import { basic, form } from './app.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { freePort } from './net.js';

export interface PartnerGrantry {
  url: string;
  server: RunningServer;
  database: TestDatabase;
  call(path: string, method?: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

/**
 * `overrides` are applied after validation, so a test may go below a setting's minimum (the
 * concurrency proof uses access tokens of a few seconds; the configuration's minimum is 60 s).
 */
export async function startPartnerGrantry(dialect: 'sqlite' | 'postgres' = 'sqlite', overrides: Partial<Config> = {}): Promise<PartnerGrantry> {
  const database = await createTestDatabase(dialect);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const base = loadConfig(
    {},
    {
      issuer: url,
      databaseUrl: database.url,
      port,
      host: '127.0.0.1',
      dataDir: mkdtempSync(join(tmpdir(), 'grantry-partner-')),
      masterKey: randomBytes(32).toString('base64'),
      webhookAllowedNetworks: ['127.0.0.0/8'],
      logLevel: 'silent',
    },
  );
  const config = { ...base, ...overrides } as Config;
  const server = await startServer(config, pino({ level: 'silent' }));
  const init = await initialize(server.rt.admin('test'), { maxAccessTokenTtl: config.maxAccessTokenTtl });
  const tokenRes = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(init.application.clientId, init.clientSecret!) },
    body: form({ grant_type: 'client_credentials', scope: 'grantry:admin' }),
  });
  if (tokenRes.status !== 200) throw new Error(`admin token: ${tokenRes.status} ${await tokenRes.text()}`);
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const call = async (path: string, method = 'GET', body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  return {
    url,
    server,
    database,
    call,
    stop: async () => {
      await server.stop();
      await database.drop();
    },
  };
}

export interface PartnerSetup {
  appId: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  merchantIds: string[];
}

/** A partner organization, a third_party app with `extra` settings, its webhook subscription to `receiverUrl`. */
export async function partnerSetup(g: PartnerGrantry, receiverUrl: string, extra: Record<string, unknown> = {}, scopes = ['payments:read', 'payments:create']): Promise<PartnerSetup> {
  for (const scope of scopes) await g.call('/scopes', 'POST', { scope, description: `Allows ${scope}` }).catch(() => {});
  const org = await g.call('/organizations', 'POST', { type: 'partner', name: `Partner ${randomBytes(3).toString('hex')}` });
  const app = await g.call('/applications', 'POST', { name: 'Partner App', type: 'third_party', organization_id: org.id, scopes, ...extra });
  const hook = await g.call(`/applications/${app.id}/webhooks`, 'POST', {
    url: receiverUrl,
    events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED'],
  });
  return { appId: app.id, clientId: app.client_id, clientSecret: app.client_secret, webhookSecret: hook.secret, merchantIds: [] };
}

/** `count` merchants installing the app; returns the installation ids. */
export async function installMany(g: PartnerGrantry, p: PartnerSetup, count: number, scopes = ['payments:read']): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const merchant = await g.call('/organizations', 'POST', { type: 'merchant', name: `Merchant ${i}` });
    p.merchantIds.push(merchant.id);
    const inst = await g.call('/installations', 'POST', { organization_id: merchant.id, application_id: p.appId, scopes });
    ids.push(inst.id);
  }
  return ids;
}
