import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createInstallationReceiver, memoryStore, sqliteStore, type InstallationEvent, type TokenStore } from '../../src/partner/index.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const REFRESH = `grt_${randomBytes(24).toString('base64url')}`;
const ACCESS = `eyJ.${randomBytes(24).toString('base64url')}.sig`;

function credentials(type = 'INSTALLATION.CREATE', version = 1, installationId = 'ins_1', refreshToken = REFRESH) {
  const now = Date.now();
  return JSON.stringify({
    type,
    timestamp: new Date(now).toISOString(),
    data: {
      installation_id: installationId,
      organization_id: 'org_m',
      client_id: 'cli_p',
      scopes: ['payments:read'],
      credentials_version: version,
      refresh_token: refreshToken,
      refresh_token_expires_at: null,
      access_token: ACCESS,
      access_token_expires_at: new Date(now + 300_000).toISOString(),
      token_type: 'Bearer',
      token_endpoint: 'http://grantry.test/oauth/token',
    },
  });
}

/** Headers as Grantry's worker sends them (src/webhooks/signing.ts), signed with every given secret. */
function signed(body: string, secrets: string[], id = `msg_${randomBytes(6).toString('hex')}`, atMs = Date.now()) {
  const ts = new Date(Math.floor(atMs / 1000) * 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(atMs / 1000)), 'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, ts, body)).join(' ') };
}

describe('createInstallationReceiver', () => {
  const logs: string[] = [];
  const logger = (level: string, message: string, fields: Record<string, unknown>) => logs.push(`${level} ${message} ${JSON.stringify(fields)}`);
  const cleanup: (() => void)[] = [];
  afterAll(() => cleanup.forEach((fn) => fn()));

  it('verifies, stores, answers 200; redeliveries and replays are acknowledged without effect', async () => {
    const s = secret();
    const store = memoryStore();
    const events: InstallationEvent[] = [];
    const r = createInstallationReceiver({ secrets: s, store, onEvent: (e) => void events.push(e), logger });
    const body = credentials();
    const headers = signed(body, [s]);
    const first = await r.handle({ headers, body });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ status: 'stored' });
    expect(await store.get('ins_1')).toMatchObject({ refreshToken: REFRESH, accessToken: ACCESS, credentialsVersion: 1, status: 'active' });
    // onEvent gets the message without its tokens.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'INSTALLATION.CREATE', installationId: 'ins_1', webhookId: headers['webhook-id'], stored: true });
    expect(JSON.stringify(events[0])).not.toContain(REFRESH);
    expect(JSON.stringify(events[0])).not.toContain(ACCESS);
    // A captured request replayed as is, and Grantry's redelivery (same webhook-id, signed again later).
    expect(JSON.parse((await r.handle({ headers, body })).body)).toEqual({ status: 'duplicate' });
    const redelivery = await r.handle({ headers: signed(body, [s], headers['webhook-id'], Date.now() + 5000), body });
    expect(redelivery.status).toBe(200);
    expect(JSON.parse(redelivery.body)).toEqual({ status: 'duplicate' });
    expect(events).toHaveLength(1);
  });

  it('accepts either of two secrets, and a header carrying two signatures (Grantry during a secret rotation)', async () => {
    const [current, previous, other] = [secret(), secret(), secret()];
    const store = memoryStore();
    const r = createInstallationReceiver({ secrets: [current, previous], store, logger });
    const send = (signers: string[], v: number) => {
      const body = credentials('INSTALLATION.UPDATE', v);
      return r.handle({ headers: signed(body, signers), body });
    };
    expect((await send([previous], 1)).status).toBe(200);
    expect((await send([current], 2)).status).toBe(200);
    // `v1,<new> v1,<old>`: the overlap of a rotation on Grantry's side, with either of ours.
    expect((await send([other, previous], 3)).status).toBe(200);
    expect((await createInstallationReceiver({ secrets: current, store: memoryStore(), logger }).handle((() => { const b = credentials(); return { headers: signed(b, [other, current]), body: b }; })())).status).toBe(200);
    expect((await send([other], 4)).status).toBe(401);
    expect((await store.get('ins_1'))!.credentialsVersion).toBe(3);
  });

  it('refuses a bad signature, a stale or future timestamp, missing headers, a tampered body (nothing stored)', async () => {
    const s = secret();
    const store = memoryStore();
    const r = createInstallationReceiver({ secrets: s, store, logger });
    const body = credentials();
    const bad = await r.handle({ headers: signed(body, [secret()]), body });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body).error).toBe('invalid_signature');
    const stale = await r.handle({ headers: signed(body, [s], 'msg_old', Date.now() - 6 * 60_000), body });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body).error).toBe('stale_timestamp');
    expect((await r.handle({ headers: signed(body, [s], 'msg_future', Date.now() + 6 * 60_000), body })).status).toBe(401);
    // A stricter tolerance of our own.
    const strict = createInstallationReceiver({ secrets: s, store, toleranceSeconds: 30, logger });
    expect((await strict.handle({ headers: signed(body, [s], 'msg_60', Date.now() - 60_000), body })).status).toBe(401);
    expect((await r.handle({ headers: { 'webhook-id': 'x' }, body })).status).toBe(400);
    const headers = signed(body, [s]);
    expect((await r.handle({ headers, body: body.replace('payments:read', 'payments:create') })).status).toBe(401);
    expect(await store.get('ins_1')).toBeNull();
    // A message that is signed but not a credentials message it can store: 400, nothing stored.
    const broken = JSON.stringify({ type: 'INSTALLATION.CREATE', timestamp: new Date().toISOString(), data: { installation_id: 'ins_x' } });
    expect((await r.handle({ headers: signed(broken, [s]), body: broken })).status).toBe(400);
  });

  it('answers 503 when the store fails, so Grantry retries; the retry stores; no token in logs or answers', async () => {
    const s = secret();
    const inner = memoryStore();
    let failing = true;
    const store: TokenStore = {
      ...inner,
      receive: async (...args) => {
        if (failing) throw new Error(`disk full while writing ${REFRESH}`);
        return inner.receive(...args);
      },
    };
    logs.length = 0;
    const r = createInstallationReceiver({ secrets: s, store, logger });
    const body = credentials();
    const headers = signed(body, [s]);
    const failed = await r.handle({ headers, body });
    expect(failed.status).toBe(503);
    expect(failed.body).not.toContain(REFRESH);
    expect(logs.join('\n')).toContain('disk full');
    expect(logs.join('\n')).not.toContain(REFRESH);
    expect(logs.join('\n')).not.toContain(ACCESS);
    expect(await inner.get('ins_1')).toBeNull();
    failing = false;
    expect((await r.handle({ headers: signed(body, [s], headers['webhook-id']), body })).status).toBe(200);
    expect((await inner.get('ins_1'))!.refreshToken).toBe(REFRESH);
  });

  it('onEvent failing answers 500 with the credentials stored; the redelivery runs it again, once', async () => {
    const s = secret();
    const store = memoryStore();
    let calls = 0;
    const r = createInstallationReceiver({
      secrets: s,
      store,
      logger,
      onEvent: () => {
        calls++;
        if (calls === 1) throw new Error(`handler broke near ${ACCESS}`);
      },
    });
    const body = credentials();
    const headers = signed(body, [s]);
    const failed = await r.handle({ headers, body });
    expect(failed.status).toBe(500);
    expect((await store.get('ins_1'))!.refreshToken).toBe(REFRESH);
    expect(logs.join('\n')).not.toContain(ACCESS);
    expect((await r.handle({ headers: signed(body, [s], headers['webhook-id']), body })).status).toBe(200);
    expect((await r.handle({ headers: signed(body, [s], headers['webhook-id']), body })).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('INSTALLATION.DELETE erases the tokens; REUSE_DETECTED, WEBHOOK.TEST and unknown types are accepted and passed on', async () => {
    const s = secret();
    const store = memoryStore();
    const events: InstallationEvent[] = [];
    const r = createInstallationReceiver({ secrets: s, store, onEvent: (e) => void events.push(e), logger });
    const send = async (body: string) => (await r.handle({ headers: signed(body, [s]), body })).status;
    expect(await send(credentials())).toBe(200);
    const message = (type: string, data: Record<string, unknown>) => JSON.stringify({ type, timestamp: new Date().toISOString(), data });
    expect(await send(message('REFRESH_TOKEN.REUSE_DETECTED', { installation_id: 'ins_1', organization_id: 'org_m', client_id: 'cli_p', credentials_version: 1, revoked_at: new Date().toISOString() }))).toBe(200);
    expect(await send(message('WEBHOOK.TEST', { endpoint_id: 'whs_1', message: 'a test' }))).toBe(200);
    expect(await send(message('SOMETHING.NEW', {}))).toBe(200);
    expect((await store.get('ins_1'))!.refreshToken).toBe(REFRESH);
    expect(await send(message('INSTALLATION.DELETE', { installation_id: 'ins_1', organization_id: 'org_m', client_id: 'cli_p', uninstalled_at: new Date().toISOString() }))).toBe(200);
    expect(await store.get('ins_1')).toMatchObject({ status: 'deleted', refreshToken: null, accessToken: null });
    expect(events.map((e) => [e.type, e.installationId, e.stored])).toEqual([
      ['INSTALLATION.CREATE', 'ins_1', true],
      ['REFRESH_TOKEN.REUSE_DETECTED', 'ins_1', false],
      ['WEBHOOK.TEST', null, false],
      ['SOMETHING.NEW', null, false],
      ['INSTALLATION.DELETE', 'ins_1', true],
    ]);
  });

  it('works as a node:http handler, a Fastify plugin (raw body in its own context only) and Express middleware, on a SQLite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'partner-recv-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = sqliteStore({ path: join(dir, 'p.db'), key: randomBytes(32) });
    const s = secret();
    const r = createInstallationReceiver({ secrets: s, store, logger });
    const post = async (url: string, body: string, headers = signed(body, [s])) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return { status: res.status, body: await res.text() };
    };

    // node:http
    const plain = createServer(r.nodeHandler);
    await new Promise<void>((ok) => plain.listen(0, '127.0.0.1', () => ok()));
    const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}/`;
    expect((await post(plainUrl, credentials('INSTALLATION.CREATE', 1, 'ins_node'))).status).toBe(200);
    expect((await fetch(plainUrl)).status).toBe(405);
    plain.close();

    // Fastify: the app's own JSON routes keep their parser.
    const app = Fastify();
    app.post('/json', async (req) => ({ echoed: req.body }));
    await app.register(r.fastifyPlugin, { prefix: '/webhooks/grantry' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    expect((await post(`${base}/webhooks/grantry`, credentials('INSTALLATION.CREATE', 1, 'ins_fastify'))).status).toBe(200);
    expect((await post(`${base}/webhooks/grantry`, credentials('INSTALLATION.CREATE', 1, 'ins_bad'), signed('{}', [s]))).status).toBe(401);
    expect(await (await fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })).json()).toEqual({ echoed: { a: 1 } });
    await app.close();

    // Express-style: (req, res, next) with the body unread, or a Buffer from express.raw().
    const express = createServer((req, res) => r.expressMiddleware(req, res, (err) => res.writeHead(err ? 500 : 404).end()));
    await new Promise<void>((ok) => express.listen(0, '127.0.0.1', () => ok()));
    const expressUrl = `http://127.0.0.1:${(express.address() as { port: number }).port}/`;
    expect((await post(expressUrl, credentials('INSTALLATION.CREATE', 1, 'ins_express'))).status).toBe(200);
    express.close();
    const body = credentials('INSTALLATION.CREATE', 1, 'ins_raw');
    const sent: { status?: number } = {};
    await new Promise<void>((done) => {
      const res = { writeHead: (status: number) => ((sent.status = status), { end: () => done() }) } as never;
      r.expressMiddleware({ method: 'POST', headers: signed(body, [s]), body: Buffer.from(body) } as never, res, () => done());
    });
    expect(sent.status).toBe(200);

    for (const id of ['ins_node', 'ins_fastify', 'ins_express', 'ins_raw']) expect((await store.get(id))!.refreshToken).toBe(REFRESH);
    expect(await store.get('ins_bad')).toBeNull();
    await store.close();
  });
});
