import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_CATALOG } from '../../src/webhooks/catalog.js';
import { startReceiver } from '../helpers/webhooks.js';

const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': 'msg_test' }, body });

/** The test receivers check every body they get against the catalogue, and make the test fail on a violation. */
describe('the test webhook receiver', () => {
  it('accepts every catalogue example and answers as its behaviour says', async () => {
    const r = await startReceiver();
    for (const e of WEBHOOK_EVENT_CATALOG) expect((await post(r.url, JSON.stringify(e.example))).status).toBe(204);
    expect(r.receipts).toHaveLength(WEBHOOK_EVENT_CATALOG.length);
    expect(r.violations).toEqual([]);
    await r.close();
  });

  it('records a body that breaks the catalogue and fails loudly when closed, naming the field', async () => {
    const r = await startReceiver();
    const bad = structuredClone(WEBHOOK_EVENT_CATALOG[0]!.example) as { data: Record<string, unknown> };
    delete bad.data.client_id;
    // The answer stays the behaviour's: a 500 would only show up as an unexplained retry.
    expect((await post(r.url, JSON.stringify(bad))).status).toBe(204);
    expect(r.violations).toEqual([{ id: 'msg_test', type: 'INSTALLATION.CREATE', problems: expect.arrayContaining([expect.objectContaining({ path: '/data/client_id' })]) }]);
    await expect(r.close()).rejects.toThrow(/INSTALLATION\.CREATE \(webhook-id msg_test\)[\s\S]*\/data\/client_id/);
  });

  it('only records, without failing, for a receiver of hand-made payloads', async () => {
    const r = await startReceiver(undefined, { catalogue: false });
    await post(r.url, '{"type":"X"}');
    expect(r.violations).toHaveLength(1);
    await expect(r.close()).resolves.toBeUndefined();
  });
});
