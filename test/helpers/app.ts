import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { fixedClock, type FixedClock } from '../../src/domain/clock.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/app.js';
import { initialize } from '../../src/admin/bootstrap.js';
import type { Dialect } from '../../src/storage/db.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const ISSUER = 'http://grantry.test';
export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

export interface TestApp {
  rt: Runtime;
  app: FastifyInstance;
  clock: FixedClock;
  database: TestDatabase;
  masterKey: Buffer;
  close(): Promise<void>;
}

export async function buildTestApp(dialect: Dialect, overrides: Partial<Config> = {}): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  const config = loadConfig({}, { issuer: ISSUER, databaseUrl: database.url, ...overrides });
  const clock = fixedClock(T0);
  const masterKey = randomBytes(32);
  const rt = await createRuntime({ config, masterKey, clock, db: database.open(), migrate: true });
  const app = await buildApp(rt);
  return {
    rt,
    app,
    clock,
    database,
    masterKey,
    close: async () => {
      await app.close();
      await rt.close();
      await database.drop();
    },
  };
}

export const basic = (id: string, secret: string): string =>
  // RFC 6749 §2.3.1: form-url-encode, then Basic-encode.
  'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

export const form = (params: Record<string, string>): string => new URLSearchParams(params).toString();

export async function tokenRequest(
  app: FastifyInstance,
  params: Record<string, string>,
  auth?: { id: string; secret: string },
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: basic(auth.id, auth.secret) } : {}) },
    payload: form(params),
  });
}

/** Bootstraps the admin application and returns a management-API bearer token. */
export async function adminToken(t: TestApp): Promise<string> {
  const init = await initialize(t.rt.admin('test'), { maxAccessTokenTtl: t.rt.config.maxAccessTokenTtl });
  let secret = init.clientSecret;
  if (!secret) throw new Error('admin application already exists');
  const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'grantry:admin' }, { id: init.application.clientId, secret });
  if (res.statusCode !== 200) throw new Error(`admin token: ${res.statusCode} ${res.body}`);
  secret = '';
  return res.json().access_token as string;
}

export interface Api {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, body: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
}

/** A management-API client with the admin bearer token. */
export function api(app: FastifyInstance, token: string): Api {
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  return { get: (u) => call('GET', u), post: (u, b) => call('POST', u, b), patch: (u, b) => call('PATCH', u, b), delete: (u) => call('DELETE', u) };
}

/** A merchant with a Token Application holding `scopes` (created through the management API). */
export async function merchantApp(
  a: Api,
  scopes: string[] = ['payments:create', 'payments:read'],
  extra: Record<string, unknown> = {},
): Promise<{ orgId: string; appId: string; clientId: string; clientSecret: string }> {
  for (const scope of scopes) {
    const r = await a.post('/scopes', { scope, description: `Allows ${scope}` });
    if (r.statusCode !== 201 && r.statusCode !== 409) throw new Error(`scope ${scope}: ${r.body}`);
  }
  const org = await a.post('/organizations', { type: 'merchant', name: 'Acme' });
  if (org.statusCode !== 201) throw new Error(org.body);
  const created = await a.post('/applications', { name: 'Acme ERP', type: 'merchant', organization_id: org.json().id, scopes, ...extra });
  if (created.statusCode !== 201) throw new Error(created.body);
  const body = created.json();
  return { orgId: org.json().id, appId: body.id, clientId: body.client_id, clientSecret: body.client_secret };
}
