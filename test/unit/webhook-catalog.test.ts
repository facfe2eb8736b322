import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_CATALOG, validateWebhookMessage, webhookEventDefinition, webhookEventView } from '../../src/webhooks/catalog.js';
import { renderWebhookEventsDoc } from '../../src/webhooks/catalog-docs.js';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from '../../src/storage/ports-webhooks.js';

const example = (type: string) => structuredClone(webhookEventDefinition(type)!.example) as { type: string; timestamp: string; data: Record<string, unknown> };

describe('the webhook event catalogue', () => {
  it('holds every subscribable event type and WEBHOOK.TEST, once each, and nothing else', () => {
    const types = WEBHOOK_EVENT_CATALOG.map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    expect([...types].sort()).toEqual([...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT].sort());
    for (const e of WEBHOOK_EVENT_CATALOG) expect(e.subscribable, e.type).toBe((WEBHOOK_EVENT_TYPES as readonly string[]).includes(e.type));
  });

  it('marks exactly the events whose data holds tokens as carrying credentials', () => {
    for (const e of WEBHOOK_EVENT_CATALOG) {
      const props = Object.keys(e.schema.properties);
      expect(e.carries_credentials, e.type).toBe(props.some((p) => p.endsWith('_token')));
    }
    expect(WEBHOOK_EVENT_CATALOG.filter((e) => e.carries_credentials).map((e) => e.type)).toEqual(['INSTALLATION.CREATE', 'INSTALLATION.UPDATE']);
  });

  it("validates each example against its own schema, and the examples' tokens are visibly fake", () => {
    for (const e of WEBHOOK_EVENT_CATALOG) {
      expect(validateWebhookMessage(e.example), e.type).toEqual([]);
      expect(validateWebhookMessage(JSON.stringify(e.example)), e.type).toEqual([]);
      expect(e.example.type).toBe(e.type);
      if ('refresh_token' in e.example.data) expect(String(e.example.data.refresh_token), e.type).toMatch(/EXAMPLE/);
      const jwt = e.example.data.access_token;
      if (typeof jwt === 'string') expect(Buffer.from(jwt.split('.')[2]!, 'base64url').toString()).toMatch(/EXAMPLE/);
    }
  });

  it('is strict: every field required, no unknown field, types and formats checked', () => {
    for (const e of WEBHOOK_EVENT_CATALOG) {
      expect(e.schema.additionalProperties, e.type).toBe(false);
      expect([...(e.schema.required ?? [])].sort(), e.type).toEqual(Object.keys(e.schema.properties).sort());
      for (const field of Object.keys(e.schema.properties)) {
        const m = example(e.type);
        delete m.data[field];
        expect(validateWebhookMessage(m), `${e.type} without ${field}`).toContainEqual(expect.objectContaining({ path: `/data/${field}` }));
      }
      const extra = example(e.type);
      extra.data.surprise = 1;
      expect(validateWebhookMessage(extra).length, `${e.type} with an unknown field`).toBeGreaterThan(0);
    }
    const create = example('INSTALLATION.CREATE');
    expect(validateWebhookMessage({ ...create, data: { ...create.data, refresh_token: 'rt_not_grantry' } })).toContainEqual(expect.objectContaining({ path: '/data/refresh_token' }));
    expect(validateWebhookMessage({ ...create, data: { ...create.data, access_token_expires_at: 'tomorrow' } })).toContainEqual(expect.objectContaining({ path: '/data/access_token_expires_at' }));
    expect(validateWebhookMessage({ ...create, data: { ...create.data, scopes: [] } })).toContainEqual(expect.objectContaining({ path: '/data/scopes' }));
    expect(validateWebhookMessage({ ...create, data: { ...create.data, refresh_token_expires_at: null } })).toEqual([]);
    expect(validateWebhookMessage({ ...create, timestamp: 1 })).toContainEqual(expect.objectContaining({ path: '/timestamp' }));
    expect(validateWebhookMessage({ ...create, extra: true }).length).toBeGreaterThan(0);
    // A test message must not be mistaken for (or turned into) a credentials message.
    const test = example(WEBHOOK_TEST_EVENT);
    expect(validateWebhookMessage({ ...test, data: { ...test.data, test: false } })).toContainEqual(expect.objectContaining({ path: '/data/test' }));
    expect(validateWebhookMessage({ ...test, data: { ...test.data, refresh_token: create.data.refresh_token } }).length).toBeGreaterThan(0);
  });

  it('names what is wrong with a message that is not a catalogue message', () => {
    expect(validateWebhookMessage('{')[0]).toMatchObject({ path: '', message: expect.stringContaining('not JSON') });
    expect(validateWebhookMessage([])[0]).toMatchObject({ path: '' });
    expect(validateWebhookMessage({ type: 'INSTALLATION.CREATED', timestamp: '2026-11-22T12:00:00.000Z', data: {} })[0]).toMatchObject({ path: '/type', message: expect.stringContaining('INSTALLATION.CREATE') });
  });

  it('serves plain JSON: the schema survives a JSON round trip unchanged', () => {
    for (const e of WEBHOOK_EVENT_CATALOG) {
      const view = webhookEventView(e);
      expect(JSON.parse(JSON.stringify(view))).toEqual(view);
      expect(view.schema).toMatchObject({ type: 'object', additionalProperties: false, required: expect.any(Array) });
    }
  });
});

describe('docs/webhook-events.md', () => {
  it('is what `npm run docs:webhook-events` generates from the catalogue', () => {
    // On failure: npm run build && npm run docs:webhook-events
    expect(readFileSync(new URL('../../docs/webhook-events.md', import.meta.url), 'utf8')).toBe(renderWebhookEventsDoc());
  });
});
