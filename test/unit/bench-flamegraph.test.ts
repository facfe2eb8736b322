import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildTree, category, escapeXml, renderSvg, sampleTimes, shortUrl, topSelf, topSelfTable, categoryShares,
  type CallFrame, type CpuProfile, type TreeNode,
} from '../../bench/flamegraph.mjs';

// bench/flamegraph.mjs renders `node --cpu-prof` profiles for `npm run bench:profile`; these tests use a small
// hand-made profile whose times are known exactly.

// The repository's own root, wherever it is cloned: bench/flamegraph.mjs shortens paths below it.
const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const cf = (functionName: string, url = '', lineNumber = -1): CallFrame => ({ functionName, url, lineNumber, columnNumber: lineNumber < 0 ? -1 : 4 });

/**
 *  (root)
 *  ├─ handle   dist/http/token.js:10     ├─ sign node:crypto:100 ── (native) sign
 *  │                                     └─ parse node_modules/fastify/lib/body.js:5
 *  ├─ handle   (second node, same frame: merged with the first)  └─ <anonymous> dist/x.js:1
 *  ├─ (garbage collector)
 *  ├─ (idle)
 *  └─ (program)
 */
function profile(): CpuProfile {
  return {
    startTime: 1_000_000,
    endTime: 1_000_000 + 10_000,
    nodes: [
      { id: 1, callFrame: cf('(root)'), children: [2, 7, 8, 9, 10] },
      { id: 2, callFrame: cf('handle', `file://${ROOT}/dist/http/token.js`, 9), children: [3, 5] },
      { id: 3, callFrame: cf('sign', 'node:crypto', 99), children: [4] },
      { id: 4, callFrame: cf('sign') },
      { id: 5, callFrame: cf('parse', `file://${ROOT}/node_modules/fastify/lib/body.js`, 4) },
      { id: 6, callFrame: cf('<anonymous>', `file://${ROOT}/dist/x.js`, 0) },
      { id: 7, callFrame: cf('(garbage collector)') },
      { id: 8, callFrame: cf('(idle)') },
      { id: 9, callFrame: cf('(program)') },
      { id: 10, callFrame: cf('handle', `file://${ROOT}/dist/http/token.js`, 9), children: [6] },
    ],
    // 10 samples, 1 ms apart; the sample at index i lasts until the next (the last one until endTime)
    samples: [4, 4, 4, 5, 2, 7, 8, 8, 9, 6],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
}

const child = (n: TreeNode, name: string): TreeNode => {
  const c = n.children.find((x) => x.name === name);
  expect(c, `${n.name} → ${name}`).toBeDefined();
  return c!;
};

describe('sampleTimes', () => {
  it('gives each sample the time until the next one, the last until endTime, never negative', () => {
    const { ts, weights } = sampleTimes(profile());
    expect(ts[0]).toBe(1_000_000);
    expect(ts[9]).toBe(1_009_000);
    expect(weights).toEqual(Array(10).fill(1000));
    const p = profile();
    p.timeDeltas[5] = -200; // V8 can emit a slightly out-of-order delta
    expect(Math.min(...sampleTimes(p).weights)).toBeGreaterThanOrEqual(0);
  });
});

describe('buildTree', () => {
  it('sums self and total time per frame, merges identical frames under one parent, leaves idle out', () => {
    const { root, samples, idle_us } = buildTree(profile());
    expect(samples).toBe(8);
    expect(idle_us).toBe(2000);
    expect(root.total).toBe(8000);
    expect(root.children.map((c) => c.name)).toEqual(['(garbage collector)', '(program)', 'handle']); // sorted by label
    const handle = child(root, 'handle');
    expect(handle.total).toBe(6000); // both "handle" nodes merged
    expect(handle.self).toBe(1000);
    expect(child(handle, 'sign').total).toBe(3000);
    expect(child(child(handle, 'sign'), 'sign').self).toBe(3000);
    expect(child(handle, 'parse').total).toBe(1000);
    expect(child(handle, '<anonymous>').total).toBe(1000);
    expect(handle.label).toBe('handle dist/http/token.js:10'); // 1-based line, repository-relative
    expect(child(root, '(garbage collector)').total).toBe(1000);
  });

  it('keeps idle when asked', () => {
    const { root } = buildTree(profile(), { includeIdle: true });
    expect(root.total).toBe(10_000);
    expect(child(root, '(idle)').total).toBe(2000);
  });

  it('cuts out a time window (µs, the profile clock)', () => {
    const { root, samples } = buildTree(profile(), { fromUs: 1_003_000, toUs: 1_005_000 }); // samples 3 and 4
    expect(samples).toBe(2);
    expect(root.total).toBe(2000);
    const handle = child(root, 'handle');
    expect(handle.self).toBe(1000);
    expect(child(handle, 'parse').total).toBe(1000);
    expect(handle.children.map((c) => c.name)).toEqual(['parse']); // empty subtrees dropped
  });
});

describe('topSelf / categoryShares', () => {
  it('ranks functions by self time with their share of busy time', () => {
    const top = topSelf(buildTree(profile()).root, 3);
    expect(top.map((r) => [r.label, r.self_us, r.pct])).toEqual([
      ['sign', 3000, 37.5],
      ['(garbage collector)', 1000, 12.5],
      ['(program)', 1000, 12.5],
    ]);
    const table = topSelfTable(top);
    expect(table.split('\n')).toHaveLength(5);
    expect(table).toContain('| 1 | 3.0 | 37.5 | sign | native |');
  });
  it('splits busy time by kind of code', () => {
    const shares = categoryShares(buildTree(profile()).root);
    expect(shares).toEqual({ native: 0.375, grantry: 0.25, deps: 0.125, gc: 0.125, vm: 0.125 });
  });
});

describe('frames', () => {
  it('shortens urls and classifies code', () => {
    expect(shortUrl(`file://${ROOT}/dist/grants/refresh-token.js`, ROOT)).toBe('dist/grants/refresh-token.js');
    expect(shortUrl(`file://${ROOT}/node_modules/kysely/node_modules/x/y.js`, ROOT)).toBe('node_modules/x/y.js');
    expect(shortUrl('node:internal/streams/writable', ROOT)).toBe('node:internal/streams/writable');
    expect(category(cf('f', `file://${ROOT}/dist/a.js`, 1))).toBe('grantry');
    expect(category(cf('f', `file://${ROOT}/node_modules/pino/a.js`, 1))).toBe('deps');
    expect(category(cf('f', 'node:net', 1))).toBe('node');
    expect(category(cf('writev'))).toBe('native');
    expect(category(cf('(garbage collector)'))).toBe('gc');
    expect(category(cf('(program)'))).toBe('vm');
  });
  it('escapes XML', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });
});

describe('renderSvg', () => {
  const svg = renderSvg(buildTree(profile()), { title: 'client_credentials <ES256>', subtitle: '8 samples', width: 1000 });

  it('is a well-formed SVG document with the title escaped', () => {
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg" width="1000"');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('client_credentials &lt;ES256&gt;');
    expect(svg).not.toMatch(/<anonymous>/); // frame names are escaped too
    // tags balance: every <g> and <title> is closed, no stray '<' inside text
    const count = (re: RegExp) => (svg.match(re) ?? []).length;
    expect(count(/<g>/g)).toBe(count(/<\/g>/g));
    expect(count(/<title>/g)).toBe(count(/<\/title>/g));
    for (const t of svg.match(/>[^<]*</g) ?? []) expect(t.slice(1, -1)).not.toMatch(/[<>]/);
  });

  it('draws one frame per call-tree node, widths proportional to time, root at the bottom', () => {
    const frames = [...svg.matchAll(/<g><title>([^<]*)<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g)]
      .map((m) => ({ tip: m[1]!, x: Number(m[2]), y: Number(m[3]), w: Number(m[4]) }));
    expect(frames).toHaveLength(8); // all, (garbage collector), (program), handle (both nodes merged), sign, native sign, parse, <anonymous>
    const all = frames.find((f) => f.tip.startsWith('all'))!;
    const handle = frames.find((f) => f.tip.startsWith('handle '))!;
    const sign = frames.find((f) => f.tip.startsWith('sign node:crypto'))!;
    expect(all.w).toBeCloseTo(980 - 0.5, 1); // width minus padding, minus the 0.5 px gap
    expect((handle.w + 0.5) / (all.w + 0.5)).toBeCloseTo(0.75, 3);
    expect((sign.w + 0.5) / (all.w + 0.5)).toBeCloseTo(0.375, 3);
    expect(handle.y).toBeLessThan(all.y);
    expect(sign.y).toBeLessThan(handle.y);
    expect(handle.tip).toBe('handle dist/http/token.js:10 — 6.0 ms (75.00 %), self 1.0 ms');
  });

  it('leaves out frames narrower than minWidth', () => {
    const narrow = renderSvg(buildTree(profile()), { width: 100, minWidth: 20 });
    expect((narrow.match(/<g><title>/g) ?? []).length).toBeLessThan(8);
  });

  it('is deterministic', () => {
    expect(renderSvg(buildTree(profile()), { title: 'x' })).toBe(renderSvg(buildTree(profile()), { title: 'x' }));
  });
});
