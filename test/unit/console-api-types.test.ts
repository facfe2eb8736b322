import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createRuntime } from '../../src/runtime.js';
import { loadConfig } from '../../src/config/load.js';
import { SCHEMA_FILE, openapiDocument, renderApiTypes } from '../../web/scripts/api-types.mjs';

describe('web/src/api/schema.d.ts (the console\'s API types)', () => {
  it('is what `npm run api:types` generates from the management API\'s schemas', async () => {
    // On failure: npm run build && npm run api:types
    const doc = await openapiDocument({ buildApp, createRuntime, loadConfig } as unknown as Parameters<typeof openapiDocument>[0]);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await renderApiTypes(doc));
  });
});
