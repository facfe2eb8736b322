import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipDialect } from '../helpers/db.js';
import { adminToken, api, buildTestApp, type TestApp } from '../helpers/app.js';
import { partnerApp, startReceiver, type Receiver } from '../helpers/webhooks.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { enqueueEvent } from '../../src/webhooks/enqueue.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { destinationPolicyFor } from '../../src/webhooks/destination.js';

// Two Grantry runtimes (two connection pools, as two processes would have) on one PostgreSQL schema.
// SQLite is single-writer and in one process would only serialize; its claim needs no such test.
describe.skipIf(skipDialect('postgres'))('webhook claim concurrency on postgres', () => {
  let t: TestApp;
  let second: Runtime;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await buildTestApp('postgres', { webhookAllowedNetworks: ['127.0.0.0/8'] });
    second = await createRuntime({ config: t.rt.config, masterKey: t.masterKey, clock: t.clock, db: t.database.open(), migrate: false });
    // Tests here enqueue hand-made `data` to race the workers: not catalogue messages.
    receiver = await startReceiver(undefined, { catalogue: false });
  });
  afterAll(async () => {
    await receiver?.close();
    await second?.close();
    await t?.close();
  });

  it('two workers over 200 pending deliveries deliver each exactly once', async () => {
    const a = api(t.app, await adminToken(t));
    const partner = await partnerApp(a);
    expect((await a.post(`/applications/${partner.appId}/webhooks`, { url: receiver.url, events: ['INSTALLATION.CREATE'] })).statusCode).toBe(201);
    const messageIds = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const [id] = await t.rt.stores.transaction((tx) =>
        enqueueEvent(tx, { box: t.rt.box, clock: t.clock, random: t.rt.random }, { applicationId: partner.appId, eventType: 'INSTALLATION.CREATE', installationId: `ins_${i}`, credentialsVersion: 1, data: { n: i } }),
      );
      messageIds.add((await t.rt.stores.webhooks.getDelivery(id!))!.messageId);
    }
    const workers = [t.rt, second].map(
      (rt) => new WebhookWorker({ stores: rt.stores, box: rt.box, clock: t.clock, random: rt.random, policy: destinationPolicyFor(rt.config), onExhausted: async () => {}, batchSize: 7 }),
    );
    const claimed = [0, 0];
    await Promise.all(
      workers.map(async (w, i) => {
        for (;;) {
          const n = await w.runOnce();
          if (n === 0) break;
          claimed[i]! += n;
        }
      }),
    );
    expect(claimed[0]! + claimed[1]!).toBe(200);
    const counts = new Map<string, number>();
    for (const r of receiver.receipts) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    expect(receiver.receipts).toHaveLength(200);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(new Set(counts.keys())).toEqual(messageIds);
    const rows = await t.rt.db.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).execute();
    expect(rows.every((r) => r.status === 'succeeded' && Number(r.attempts) === 1)).toBe(true);
    const attempts = await t.rt.db.db.selectFrom('webhook_attempts').select('id').execute();
    expect(attempts).toHaveLength(200);
  });
});
