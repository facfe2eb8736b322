/**
 * Evidence for rows 35–41 of the hostile-input catalogue (../shared/research/webhooks-security.md §D):
 * webhook destinations (SSRF), redirects, DNS rebinding, hostile receivers, receiver-side verification,
 * late retries and crashes. One `it` per row, on SQLite and PostgreSQL. No real DNS: host names are
 * answered by injected resolvers, and every socket goes to a local receiver on 127.0.0.1.
 *
 * The server under test has no allowed networks (the production posture): the management API refuses
 * private destinations. Subscriptions to the local receivers are made through the admin service with a
 * policy that allows 127.0.0.0/8, and the workers get their policy explicitly.
 */
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, buildTestApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { fixedJitter, signatureValid, startReceiver, type Behaviour, type Receipt, type Receiver } from '../helpers/webhooks.js';
import * as webhooks from '../../src/admin/webhooks.js';
import { AdminError } from '../../src/admin/problem.js';
import { DestinationPolicy, type ResolvedAddress, type Resolver } from '../../src/webhooks/destination.js';
import { WebhookWorker, type OnExhausted } from '../../src/webhooks/worker.js';
import { enqueueEvent } from '../../src/webhooks/enqueue.js';
import { OVERLOAD_MIN_DELAY_MS, RETRY_SCHEDULE_MS } from '../../src/webhooks/schedule.js';
import { httpTransport, MAX_RESPONSE_BYTES, type SendResult, type Transport } from '../../src/webhooks/transport.js';
import { MAX_DELIVERY_ATTEMPTS } from '../../src/storage/ports-webhooks.js';

const PUBLIC_IP = '93.184.216.34';
const EVENTS = ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE'];
const LEASE_MS = 60_000;

/** A resolver that answers from a table (and counts its calls); unknown names fail like NXDOMAIN. */
function tableResolver(table: Record<string, ResolvedAddress[] | (() => ResolvedAddress[])>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = (async (host: string) => {
    calls.push(host);
    const entry = table[host];
    if (!entry) throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return typeof entry === 'function' ? entry() : entry;
  }) as Resolver & { calls: string[] };
  resolver.calls = calls;
  return resolver;
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

describe.each(DIALECTS)('hostile webhook input (catalogue rows 35–41) on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let partnerOrgId: string;
    const receivers: Receiver[] = [];
    const localPolicy = new DestinationPolicy({ production: false, allowedNetworks: ['127.0.0.0/8'] });

    beforeAll(async () => {
      t = await buildTestApp(dialect); // no GRANTRY_WEBHOOK_ALLOWED_NETWORKS
      a = api(t.app, await adminToken(t));
      const scope = await a.post('/scopes', { scope: 'payments:read', description: 'Read payments' });
      expect(scope.statusCode, scope.body).toBe(201);
      partnerOrgId = (await a.post('/organizations', { type: 'partner', name: 'Partner Co' })).json().id;
    });
    // Every test owns its deliveries: whatever one leaves open must not be claimed by the next.
    const closeOpen = () => t.rt.db.db.updateTable('webhook_deliveries').set({ status: 'cancelled', payload_sealed: null, lease_until: null }).where('status', 'in', ['pending', 'held']).execute();
    afterEach(async () => {
      vi.useRealTimers();
      t.clock.set(T0);
      await closeOpen();
    });
    afterAll(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await t?.close();
    });

    async function receiver(behaviour?: Behaviour): Promise<Receiver> {
      // Tests here enqueue hand-made `data` to exercise the sender: not catalogue messages.
      const r = await startReceiver(behaviour, { catalogue: false });
      receivers.push(r);
      return r;
    }

    async function partnerApp(extra: Record<string, unknown> = {}) {
      const res = await a.post('/applications', { name: 'Partner App', type: 'third_party', organization_id: partnerOrgId, scopes: ['payments:read'], ...extra });
      expect(res.statusCode, res.body).toBe(201);
      return { appId: res.json().id as string, clientId: res.json().client_id as string, clientSecret: res.json().client_secret as string };
    }

    /** A subscription made through the admin service (the API's code path) with `policy` in force. */
    async function subscribe(appId: string, url: string, policy: DestinationPolicy = localPolicy) {
      const { subscription, secret } = await webhooks.createSubscription(t.rt.admin('test'), { box: t.rt.box, policy }, appId, { url, events: EVENTS });
      return { subscriptionId: subscription.id, secret };
    }

    function worker(options: { policy?: DestinationPolicy; timeoutMs?: number; transport?: Transport; onExhausted?: OnExhausted; onAttempt?: (r: SendResult) => void } = {}) {
      return new WebhookWorker({
        stores: t.rt.stores,
        box: t.rt.box,
        clock: t.clock,
        random: fixedJitter(0.5), // jitter factor exactly 1.0: waits are the schedule's
        policy: options.policy ?? localPolicy,
        onExhausted: options.onExhausted ?? (async () => {}),
        timeoutMs: options.timeoutMs ?? 2000,
        leaseMs: LEASE_MS,
        ...(options.transport ? { transport: options.transport } : {}),
        ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
      });
    }

    async function enqueue(applicationId: string, installationId: string): Promise<string> {
      const [id] = await t.rt.stores.transaction((tx) =>
        enqueueEvent(tx, { box: t.rt.box, clock: t.clock, random: t.rt.random }, {
          applicationId,
          eventType: 'INSTALLATION.CREATE',
          installationId,
          credentialsVersion: 1,
          data: { installation_id: installationId, credentials_version: 1, refresh_token: 'rt_hostile_secret_value', access_token: 'at_hostile_value' },
        }),
      );
      expect(id).toBeDefined();
      return id!;
    }

    const delivery = async (id: string) => (await t.rt.stores.webhooks.getDelivery(id))!;
    const view = async (id: string) => (await a.get(`/webhook-deliveries/${id}`)).json();

    it('D35: refuses private, loopback, metadata, obfuscated, credentialed, fragment and non-http URLs at registration (400), and records a send to one as blocked', async () => {
      const { appId } = await partnerApp();
      // Through the management API (no DNS involved: literals, or rejected before resolution).
      const literal = [
        ['http://169.254.169.254/latest/meta-data/', 'not allowed'],
        ['https://[::ffff:10.0.0.1]/', 'not allowed'],
        ['https://0x7f.1/', 'not allowed'], // WHATWG URL: 0x7f.1 is 127.0.0.1
        ['https://[::1]/', 'not allowed'],
        ['https://[fd00:ec2::254]/', 'not allowed'],
        ['https://user:pw@x.example/', 'user name or password'],
        ['https://x.com/#f', 'fragment'],
        ['https://x.com#f', 'fragment'],
        ['ftp://files.example/hooks', 'https'],
        ['javascript:alert(1)', 'https'],
        ['hooks.example/path', 'absolute URL'],
      ] as const;
      for (const [url, reason] of literal) {
        const res = await a.post(`/applications/${appId}/webhooks`, { url, events: ['INSTALLATION.CREATE'] });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ type: 'urn:grantry:problem:invalid_input', errors: [{ field: 'url' }] });
        expect(res.json().detail, url).toContain(reason);
        // Generic: the resolved/normalized address is never echoed.
        expect(res.body).not.toContain('127.0.0.1');
        expect(res.body).not.toContain('10.0.0.1');
      }
      expect((await a.get(`/applications/${appId}/webhooks`)).json().items).toHaveLength(0);

      // Host names, through the same service code with an injected resolver: `localhost`, and a public
      // looking name whose DNS answer is in 10/8 (or hides one private answer among public ones).
      const resolver = tableResolver({
        localhost: [v4('127.0.0.1'), v6('::1')],
        'intranet.partner.test': [v4('10.20.30.40')],
        'mixed.partner.test': [v4(PUBLIC_IP), v4('10.20.30.40')],
        'mapped.partner.test': [v6('::ffff:10.20.30.40')],
      });
      const strict = new DestinationPolicy({ production: false, allowedNetworks: [], resolver });
      for (const url of ['https://localhost/', 'https://intranet.partner.test/hooks', 'https://mixed.partner.test/hooks', 'https://mapped.partner.test/hooks']) {
        const err = await subscribe(appId, url, strict).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, url).toBeInstanceOf(AdminError);
        expect((err as AdminError).kind).toBe('invalid_input');
        expect((err as Error).message).toContain('not allowed');
        expect((err as Error).message).not.toContain('10.20.30.40');
      }
      // The metadata address stays refused even under an allow-list that covers everything.
      const everything = new DestinationPolicy({ production: false, allowedNetworks: ['0.0.0.0/0', '::/0'] });
      await expect(subscribe(appId, 'http://169.254.169.254/', everything)).rejects.toThrow(/not allowed/);

      // At send time: a subscription made while its name resolved publicly (or a row stored before the
      // rule existed, pointing at the metadata service) is blocked on the attempt, recorded as
      // `blocked_address` with no address in the log, and nothing is connected to.
      let answer: ResolvedAddress[] = [v4(PUBLIC_IP)];
      const sendResolver = tableResolver({ 'hooks.partner.test': () => answer });
      const sendPolicy = new DestinationPolicy({ production: false, allowedNetworks: [], resolver: sendResolver });
      await subscribe(appId, 'https://hooks.partner.test/grantry', sendPolicy);
      answer = [v4('10.20.30.40')];
      const id = await enqueue(appId, 'ins_d35');
      const attempts: SendResult[] = [];
      expect(await worker({ policy: sendPolicy, onAttempt: (r) => attempts.push(r) }).runOnce()).toBe(1);
      expect(attempts).toEqual([expect.objectContaining({ ok: false, statusCode: null, errorClass: 'blocked_address', bytesRead: 0 })]);
      expect(await delivery(id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'blocked_address', lastStatusCode: null });
      const logged = await a.get(`/webhook-deliveries/${id}`);
      expect(logged.json()).toMatchObject({ last_error: 'blocked_address', attempts: [{ attempt: 1, error_class: 'blocked_address', outcome: 'failed', status_code: null }] });
      expect(logged.body).not.toContain('10.20.30.40');

      const { appId: legacyApp } = await partnerApp();
      await t.rt.stores.webhooks.createSubscription(
        {
          id: 'whs_legacy_metadata',
          applicationId: legacyApp,
          url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
          description: null,
          events: ['INSTALLATION.CREATE'],
          rateLimit: null,
          disabledAt: null,
          disabledReason: null,
          failingSince: null,
          createdAt: t.clock.now(),
          updatedAt: t.clock.now(),
        },
        {
          id: 'whk_legacy_metadata',
          subscriptionId: 'whs_legacy_metadata',
          sealedSecret: t.rt.box.encrypt(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, webhooks.secretContext('whs_legacy_metadata')),
          createdAt: t.clock.now(),
          expiresAt: null,
        },
      );
      const legacy = await enqueue(legacyApp, 'ins_d35_legacy');
      // Even a worker whose allow-list covers every address.
      expect(await worker({ policy: everything }).runOnce()).toBe(1);
      expect(await delivery(legacy)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'blocked_address' });
    });

    it('D36: does not follow 301/302/307/308 redirects to an internal or attacker URL; the attempt fails with the 3xx', async () => {
      const attacker = await receiver();
      const targets: [number, string][] = [
        [302, 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
        [301, `${attacker.url}/steal`],
        [307, `${attacker.url}/steal-with-body`],
        [308, 'http://127.0.0.1:1/internal-admin'],
      ];
      for (const [status, location] of targets) {
        const hop = await receiver((_n, _req, res) => res.writeHead(status, { location }).end());
        const { appId } = await partnerApp();
        await subscribe(appId, hop.url);
        const id = await enqueue(appId, `ins_d36_${status}`);
        expect(await worker().runOnce()).toBe(1);
        expect(hop.receipts).toHaveLength(1);
        expect(await delivery(id)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: status, lastError: 'http_status' });
        expect((await view(id)).attempts).toEqual([expect.objectContaining({ status_code: status, error_class: 'http_status', outcome: 'failed' })]);
      }
      expect(attacker.receipts).toHaveLength(0);
    });

    it('D37: blocks DNS rebinding at connect time (public at registration, loopback at send); resolves again on every attempt', async () => {
      const target = await receiver();
      const port = new URL(target.url).port;
      let answer: ResolvedAddress[] = [v4(PUBLIC_IP)];
      const resolver = tableResolver({ 'rebind.partner.test': () => answer });
      const policy = new DestinationPolicy({ production: false, allowedNetworks: [], resolver });
      const { appId } = await partnerApp();
      await subscribe(appId, `http://rebind.partner.test:${port}/hooks`, policy); // passes: public then
      expect(resolver.calls).toHaveLength(1);

      const id = await enqueue(appId, 'ins_d37');
      const w = worker({ policy });
      const rebinds: ResolvedAddress[][] = [[v4('127.0.0.1')], [v4(PUBLIC_IP), v4('127.0.0.1')], [v6('::ffff:127.0.0.1')], [v6('::1')]];
      for (const [i, next] of rebinds.entries()) {
        answer = next;
        expect(await w.runOnce()).toBe(1);
        expect(resolver.calls).toHaveLength(2 + i); // one fresh resolution per attempt
        expect(await delivery(id)).toMatchObject({ attempts: i + 1, lastError: 'blocked_address', status: 'pending' });
        t.clock.advance(RETRY_SCHEDULE_MS[i + 1]!);
      }
      expect(target.receipts).toHaveLength(0);

      // Positive control: where the operator allows loopback, the same name reaches the vetted address
      // (the name itself is unknown to real DNS: the connection used the checked answer only).
      answer = [v4('127.0.0.1')];
      const allowing = new DestinationPolicy({ production: false, allowedNetworks: ['127.0.0.0/8'], resolver });
      expect(await worker({ policy: allowing }).runOnce()).toBe(1);
      expect(target.receipts).toHaveLength(1);
      expect(await delivery(id)).toMatchObject({ status: 'succeeded', attempts: 5 });
    });

    it('D38: a receiver that never answers, streams 1 GiB, or answers 200 after the deadline: timeout, 1 KiB read cap, retry with the same webhook-id', async () => {
      const timeoutMs = 200;
      // Never answers.
      const silent = await receiver(() => undefined);
      const p1 = await partnerApp();
      await subscribe(p1.appId, silent.url);
      const hung = await enqueue(p1.appId, 'ins_d38_silent');
      expect(await worker({ timeoutMs }).runOnce()).toBe(1);
      expect(await delivery(hung)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: 'timeout' });
      expect((await view(hung)).attempts[0].duration_ms).toBeLessThan(2000);

      // Streams up to 1 GiB: only 1 KiB is read, then the connection is dropped.
      let written = 0;
      const firehose = await receiver((_n, _req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (written < 1024 ** 3 && !res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
      const p2 = await partnerApp();
      await subscribe(p2.appId, firehose.url);
      const streamed = await enqueue(p2.appId, 'ins_d38_stream');
      const results: SendResult[] = [];
      expect(await worker({ timeoutMs: 5000, onAttempt: (r) => results.push(r) }).runOnce()).toBe(1);
      expect(results[0]!.bytesRead).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      expect(results[0]!.durationMs).toBeLessThan(5000);
      expect(written).toBeLessThan(64 * 1024 * 1024); // stopped long before 1 GiB
      expect((await delivery(streamed)).attempts).toBe(1);

      // 200 after the deadline: a failure, retried later with the same webhook-id, re-signed.
      await closeOpen();
      const late = await receiver((n, _req, res) => {
        if (n === 1) setTimeout(() => res.writeHead(200).end(), 1000).unref();
        else res.writeHead(204).end();
      });
      const p3 = await partnerApp();
      const { secret } = await subscribe(p3.appId, late.url);
      const slow = await enqueue(p3.appId, 'ins_d38_late');
      const w = worker({ timeoutMs });
      expect(await w.runOnce()).toBe(1);
      expect(await delivery(slow)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'timeout' });
      // A timeout says the receiver is slow: the next attempt waits at least a minute, not the schedule's 5 s.
      expect((await delivery(slow)).nextAttemptAt - t.clock.now()).toBeGreaterThanOrEqual(OVERLOAD_MIN_DELAY_MS);
      t.clock.advance(OVERLOAD_MIN_DELAY_MS * 1.2);
      expect(await w.runOnce()).toBe(1);
      expect(await delivery(slow)).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(late.receipts).toHaveLength(2);
      expect(late.receipts[0]!.id).toBe(late.receipts[1]!.id);
      expect(Number(late.receipts[1]!.timestamp) - Number(late.receipts[0]!.timestamp)).toBe((OVERLOAD_MIN_DELAY_MS * 1.2) / 1000);
      for (const r of late.receipts) expect(signatureValid(secret, r)).toBe(true);
    });

    it('D39: a receiver verifying with standardwebhooks accepts Grantry’s messages and rejects replays outside ±5 min, tampering, wrong secrets, missing headers and v1a-only signatures', async () => {
      const hook = await receiver((n, _req, res) => res.writeHead(n === 1 ? 500 : 204).end());
      const { appId } = await partnerApp();
      const { secret } = await subscribe(appId, hook.url);
      const other = await subscribe((await partnerApp()).appId, `${hook.url}/other`); // another endpoint's secret
      const id = await enqueue(appId, 'ins_d39');
      const w = worker();
      expect(await w.runOnce()).toBe(1);
      t.clock.advance(RETRY_SCHEDULE_MS[1]!);
      expect(await w.runOnce()).toBe(1);
      expect((await delivery(id)).status).toBe('succeeded');
      const [first, retry] = hook.receipts as [Receipt, Receipt];
      const headers = (r: Receipt) => ({ 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
      const verifier = new Webhook(secret);
      // The library checks the timestamp against Date: let "now" be the moment of the retry.
      const sentAt = Number(retry.timestamp) * 1000;
      const at = (ms: number) => vi.setSystemTime(ms);
      vi.useFakeTimers({ toFake: ['Date'] });

      // Grantry's messages verify as sent; only v1 signatures are sent; the id has no '.'.
      at(sentAt);
      expect(verifier.verify(retry.body, headers(retry))).toMatchObject({ type: 'INSTALLATION.CREATE', data: { installation_id: 'ins_d39' } });
      expect(retry.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(retry.id).not.toContain('.');

      // Same webhook-id on the retry, so a receiver that keeps processed ids makes it a 2xx no-op.
      expect(retry.id).toBe(first.id);
      expect(retry.timestamp).not.toBe(first.timestamp);
      const processed = new Set<string>();
      const receive = (r: Receipt): 'processed' | 'duplicate' => {
        verifier.verify(r.body, headers(r));
        if (processed.has(r.id)) return 'duplicate';
        processed.add(r.id);
        return 'processed';
      };
      at(Number(first.timestamp) * 1000);
      expect(receive(first)).toBe('processed');
      at(sentAt);
      expect(receive(retry)).toBe('duplicate');

      // A captured message replayed later or earlier than the tolerance.
      at(sentAt + 299_000);
      expect(() => verifier.verify(retry.body, headers(retry))).not.toThrow();
      at(sentAt + 301_000);
      expect(() => verifier.verify(retry.body, headers(retry))).toThrow('Message timestamp too old');
      at(sentAt - 301_000);
      expect(() => verifier.verify(retry.body, headers(retry))).toThrow('Message timestamp too new');
      // ... and "refreshed" by rewriting its timestamp: the signature covers the timestamp.
      at(sentAt + 3600_000);
      expect(() => verifier.verify(retry.body, { ...headers(retry), 'webhook-timestamp': String(Math.floor((sentAt + 3600_000) / 1000)) })).toThrow('No matching signature found');

      at(sentAt);
      // Tampered body, id or signature.
      expect(() => verifier.verify(retry.body.replace('ins_d39', 'ins_evil'), headers(retry))).toThrow('No matching signature found');
      expect(() => verifier.verify(retry.body + ' ', headers(retry))).toThrow('No matching signature found');
      expect(() => verifier.verify(retry.body, { ...headers(retry), 'webhook-id': 'msg_other' })).toThrow('No matching signature found');
      const sig = retry.signature.slice(3);
      const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
      expect(() => verifier.verify(retry.body, { ...headers(retry), 'webhook-signature': `v1,${flipped}` })).toThrow('No matching signature found');
      // Wrong secrets: another subscription's, and a random one.
      expect(() => new Webhook(other.secret).verify(retry.body, headers(retry))).toThrow('No matching signature found');
      expect(() => new Webhook(`whsec_${Buffer.alloc(32, 9).toString('base64')}`).verify(retry.body, headers(retry))).toThrow('No matching signature found');
      // Missing headers, one at a time, and empty ones.
      for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
        const h: Record<string, string> = headers(retry);
        delete h[name];
        expect(() => verifier.verify(retry.body, h), name).toThrow('Missing required headers');
        expect(() => verifier.verify(retry.body, { ...headers(retry), [name]: '' }), name).toThrow('Missing required headers');
      }
      expect(() => verifier.verify(retry.body, { ...headers(retry), 'webhook-timestamp': 'yesterday' })).toThrow('Invalid Signature Headers');
      // A v1a (ed25519) signature alone does not satisfy a v1 verifier, even a valid one.
      const { privateKey } = generateKeyPairSync('ed25519');
      const v1a = edSign(null, Buffer.from(`${retry.id}.${retry.timestamp}.${retry.body}`), privateKey).toString('base64');
      expect(() => verifier.verify(retry.body, { ...headers(retry), 'webhook-signature': `v1a,${v1a}` })).toThrow('No matching signature found');
      // The v1 value relabelled as v1a is not accepted either; listed next to a valid v1 it is (rotation lists).
      expect(() => verifier.verify(retry.body, { ...headers(retry), 'webhook-signature': `v1a,${sig}` })).toThrow('No matching signature found');
      expect(() => verifier.verify(retry.body, { ...headers(retry), 'webhook-signature': `v1a,${v1a} ${retry.signature}` })).not.toThrow();
    });

    it('D40: a retry after the partner already used (rotated) the delivered refresh token is not sent; a late in-flight one carries the same id and version', async () => {
      // The partner stores the token but its 2xx is lost (500), then it refreshes with that token.
      const hook = await receiver((_n, _req, res) => res.writeHead(500).end());
      const partner = await partnerApp({ refresh_policy: 'rotate' });
      await subscribe(partner.appId, hook.url);
      const merchant = (await a.post('/organizations', { type: 'merchant', name: 'Merchant D40' })).json().id;
      const installation = (await a.post('/installations', { organization_id: merchant, application_id: partner.appId, scopes: ['payments:read'] })).json();
      const w = worker();
      expect(await w.runOnce()).toBe(1);
      const [deliveryRow] = (await a.get(`/webhook-deliveries?installation_id=${installation.id}`)).json().items;
      expect(deliveryRow).toMatchObject({ status: 'pending', attempt_count: 1 });
      const message = JSON.parse(hook.receipts[0]!.body);
      expect(message.data.credentials_version).toBe(1);
      const rotated = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: message.data.refresh_token }, { id: partner.clientId, secret: partner.clientSecret });
      expect(rotated.statusCode, rotated.body).toBe(200);
      expect(rotated.json().refresh_token).toBeDefined();
      // The first use is the receipt: the pending retry ends, its payload (the spent token) is erased.
      expect(await delivery(deliveryRow.id)).toMatchObject({ status: 'cancelled', sealedPayload: null });
      t.clock.advance(RETRY_SCHEDULE_MS[1]! * 2);
      expect(await w.runOnce()).toBe(0);
      expect(hook.receipts).toHaveLength(1);

      // Race: a retry already in flight when the partner first uses the token still arrives. It has the
      // same webhook-id and credentials_version, so the receiver contract (de-duplicate by id, keep the
      // highest credentials_version) drops it; the delivery stays cancelled.
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      const hook2 = await receiver((n, _req, res) => {
        if (n === 1) res.writeHead(500).end();
        else void gate.then(() => res.writeHead(204).end());
      });
      const partner2 = await partnerApp({ refresh_policy: 'rotate' });
      await subscribe(partner2.appId, hook2.url);
      const inst2 = (await a.post('/installations', { organization_id: merchant, application_id: partner2.appId, scopes: ['payments:read'] })).json();
      expect(await w.runOnce()).toBe(1);
      const [row2] = (await a.get(`/webhook-deliveries?installation_id=${inst2.id}`)).json().items;
      t.clock.advance(RETRY_SCHEDULE_MS[1]!);
      const inFlight = w.runOnce();
      await expect.poll(() => hook2.receipts.length).toBe(2);
      const first = JSON.parse(hook2.receipts[0]!.body);
      const used = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: first.data.refresh_token }, { id: partner2.clientId, secret: partner2.clientSecret });
      expect(used.statusCode, used.body).toBe(200);
      release();
      expect(await inFlight).toBe(1);
      expect(await delivery(row2.id)).toMatchObject({ status: 'cancelled', sealedPayload: null, attempts: 2 });
      const [r1, r2] = hook2.receipts as [Receipt, Receipt];
      expect(r2.id).toBe(r1.id);
      expect(JSON.parse(r2.body).data.credentials_version).toBe(first.data.credentials_version);
      // Were the partner to ignore its contract and use the stale token, reuse detection ends the family.
      const stale = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: JSON.parse(r2.body).data.refresh_token }, { id: partner2.clientId, secret: partner2.clientSecret });
      expect(stale.statusCode).toBe(400);
      expect(stale.json().error).toBe('invalid_grant');
    });

    it('D41: crashes between send and record, and two workers on one message: at least once, one webhook-id, never more than 10 attempts', async () => {
      const hook = await receiver();
      const { appId } = await partnerApp();
      await subscribe(appId, hook.url);
      // Sends for real, then dies before recording the outcome.
      const real = httpTransport({ policy: localPolicy, timeoutMs: 2000 });
      const crashAfterSend: Transport = async (req) => {
        await real(req);
        return new Promise<SendResult>(() => {});
      };

      // One crash, then a healthy worker after the lease: delivered again with the same webhook-id.
      const once = await enqueue(appId, 'ins_d41_once');
      void worker({ transport: crashAfterSend }).runOnce();
      await expect.poll(() => hook.receipts.length).toBe(1);
      expect(await worker().runOnce()).toBe(0); // still leased
      t.clock.advance(LEASE_MS + 1);
      expect(await worker().runOnce()).toBe(1);
      expect(hook.receipts).toHaveLength(2);
      expect(hook.receipts[1]!.id).toBe(hook.receipts[0]!.id);
      expect(await delivery(once)).toMatchObject({ status: 'succeeded', attempts: 2 });

      // Every worker crashes after sending: the 10th claim is the last; the delivery then fails, once.
      const doomed = await enqueue(appId, 'ins_d41_doomed');
      const before = hook.receipts.length;
      for (let i = 1; i <= MAX_DELIVERY_ATTEMPTS; i++) {
        void worker({ transport: crashAfterSend }).runOnce();
        await expect.poll(() => hook.receipts.length).toBe(before + i);
        t.clock.advance(LEASE_MS + 1);
      }
      const exhausted: string[] = [];
      const healthy = worker({ onExhausted: async (d) => void exhausted.push(d.id) });
      for (let i = 0; i < 3; i++) {
        await healthy.runOnce();
        t.clock.advance(48 * 3600_000);
      }
      expect(hook.receipts.length - before).toBe(MAX_DELIVERY_ATTEMPTS);
      expect(new Set(hook.receipts.slice(before).map((r) => r.id)).size).toBe(1);
      expect(exhausted).toEqual([doomed]);
      expect(await delivery(doomed)).toMatchObject({ status: 'failed', attempts: MAX_DELIVERY_ATTEMPTS, sealedPayload: null });
      const attempts = await t.rt.stores.webhooks.listAttempts([doomed]);
      expect(attempts).toHaveLength(MAX_DELIVERY_ATTEMPTS);
      expect(attempts.every((x) => x.outcome === 'abandoned')).toBe(true);

      // Two workers racing for one due message: one claims it, it is sent once.
      const raced = await enqueue(appId, 'ins_d41_race');
      const sent = hook.receipts.length;
      const claims = await Promise.all([worker().runOnce(), worker().runOnce(), worker().runOnce()]);
      expect(claims.reduce((x, y) => x + y, 0)).toBe(1);
      expect(hook.receipts.length - sent).toBe(1);
      expect(await delivery(raced)).toMatchObject({ status: 'succeeded', attempts: 1 });
      const row = await t.rt.db.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.max('attempts').as('max')).executeTakeFirstOrThrow();
      expect(Number(row.max)).toBeLessThanOrEqual(MAX_DELIVERY_ATTEMPTS);
    });
  });
});
