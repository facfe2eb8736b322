import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDoc } from '../../src/config/docs.js';
import { OAUTH_ERROR_STATUS } from '../../src/domain/oauth-error.js';
import { PROBLEM_KINDS } from '../../src/admin/problem.js';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

/** Rows of every markdown table whose first cell is one `code`: code → the other cells (each occurrence). */
function codeRows(markdown: string): Map<string, string[][]> {
  const rows = new Map<string, string[][]>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2]!.split('|').map((c) => c.trim());
    rows.set(m[1]!, [...(rows.get(m[1]!) ?? []), cells]);
  }
  return rows;
}

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` generates from the configuration schema', () => {
    // On failure: npm run build && npm run docs:config
    expect(doc('configuration.md')).toBe(renderConfigurationDoc());
  });
});

describe('docs/errors.md', () => {
  const rows = codeRows(doc('errors.md'));

  it('lists every OAuth error code with its status', () => {
    for (const [code, status] of Object.entries(OAUTH_ERROR_STATUS)) {
      const found = rows.get(code);
      expect(found, `${code} is missing from docs/errors.md`).toBeDefined();
      for (const cells of found!) {
        expect(cells[0], code).toBe(String(status));
        expect(cells[1]!.length, `${code}: say when it occurs`).toBeGreaterThan(20);
      }
    }
  });

  it('lists every management-API problem type with its status and title', () => {
    for (const [kind, { status, title }] of Object.entries(PROBLEM_KINDS)) {
      const found = rows.get(`urn:grantry:problem:${kind}`);
      expect(found, `urn:grantry:problem:${kind} is missing from docs/errors.md`).toBeDefined();
      for (const cells of found!) {
        expect(cells[0], kind).toBe(String(status));
        expect(cells[1], kind).toBe(title);
        expect(cells[2]!.length, `${kind}: say when it occurs`).toBeGreaterThan(20);
      }
    }
  });

  it('documents no code the server does not have', () => {
    const known = new Set([...Object.keys(OAUTH_ERROR_STATUS), ...Object.keys(PROBLEM_KINDS).map((k) => `urn:grantry:problem:${k}`)]);
    const stale = [...rows.keys()].filter((code) => !known.has(code));
    expect(stale).toEqual([]);
  });

  it('shows example bodies of both families', () => {
    const text = doc('errors.md');
    const examples = [...text.matchAll(/```http\n[\s\S]*?\n\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    expect(examples.some((b) => typeof b.error === 'string' && b.error in OAUTH_ERROR_STATUS)).toBe(true);
    const problems = examples.filter((b) => typeof b.type === 'string');
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      const kind = String(p.type).replace('urn:grantry:problem:', '') as keyof typeof PROBLEM_KINDS;
      expect(PROBLEM_KINDS[kind], String(p.type)).toBeDefined();
      expect(p).toMatchObject({ status: PROBLEM_KINDS[kind].status, title: PROBLEM_KINDS[kind].title, detail: expect.any(String) });
    }
  });
});
