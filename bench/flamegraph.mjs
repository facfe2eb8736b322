#!/usr/bin/env node
// bench/flamegraph.mjs — a V8 .cpuprofile (node --cpu-prof) as a static flame graph SVG, plus the top functions
// by self time. Pure functions (unit-tested in test/unit/bench-flamegraph.test.ts) and a small CLI:
//
//   node bench/flamegraph.mjs PROFILE.cpuprofile [--svg OUT.svg] [--title T] [--from-us N --to-us N] [--top 25] [--idle]
//
// A .cpuprofile is JSON: `nodes` (id, callFrame {functionName, url, lineNumber (0-based), columnNumber}, children),
// `samples` (the leaf node id of each sample), `timeDeltas` (µs since the previous sample; the first is since
// `startTime`), `startTime`/`endTime` (µs, CLOCK_MONOTONIC — the clock of process.hrtime in any process on the
// machine, so a harness can cut out the window of its load). A sample stands for the time until the next one.
// "(idle)" (the event loop waiting) is left out unless asked for: the graph shows where busy time goes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// ---------- samples ----------
/** Timestamp (µs) and weight (µs until the next sample; the last one until endTime) of every sample. */
export function sampleTimes(profile) {
  const n = profile.samples?.length ?? 0;
  const deltas = profile.timeDeltas ?? [];
  const ts = new Array(n);
  let t = profile.startTime ?? 0;
  for (let i = 0; i < n; i++) { t += deltas[i] ?? 0; ts[i] = t; }
  const weights = new Array(n);
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? ts[i + 1] : Math.max(profile.endTime ?? ts[i], ts[i]);
    weights[i] = Math.max(0, next - ts[i]); // V8 may emit slightly out-of-order deltas: never a negative weight
  }
  return { ts, weights };
}

// ---------- frames ----------
const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** url without file:// and the repository prefix; dependencies from their last node_modules/. */
export function shortUrl(url, repoRoot = REPO_ROOT) {
  if (!url) return '';
  let u = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + 1);
  const root = repoRoot.endsWith('/') ? repoRoot : `${repoRoot}/`;
  if (u.startsWith(root)) u = u.slice(root.length);
  return u;
}

/** 'grantry' | 'deps' | 'node' | 'native' | 'gc' | 'vm' */
export function category(frame) {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)' || name === '(idle)' || name === '(root)') return 'vm';
  if (!url) return 'native';
  if (url.includes('/node_modules/')) return 'deps';
  if (url.startsWith('node:') || !url.includes('/')) return 'node';
  return 'grantry';
}

const frameKey = (cf) => `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;

function label(frame) {
  const name = frame.functionName || '(anonymous)';
  if (SPECIAL.has(frame.functionName) || !frame.url) return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

// ---------- the merged call tree ----------
/**
 * The call tree of the samples taken in [fromUs, toUs) (all by default), with identical frames under the same
 * parent merged. Every node: { name, url, line (1-based), label, category, self, total (µs), children[] sorted by
 * label }. The root is "all". `includeIdle`: keep "(idle)". Also returns the window's sample count and idle time.
 */
export function buildTree(profile, { fromUs = -Infinity, toUs = Infinity, includeIdle = false } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const rootId = profile.nodes.find((n) => !parent.has(n.id))?.id ?? profile.nodes[0]?.id;

  const { ts, weights } = sampleTimes(profile);
  const selfById = new Map();
  let samples = 0, idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!(ts[i] >= fromUs && ts[i] < toUs)) continue;
    const id = profile.samples[i];
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      idleUs += weights[i];
      if (!includeIdle) continue;
    }
    samples++;
    selfById.set(id, (selfById.get(id) ?? 0) + weights[i]);
  }

  const make = (cf) => ({
    name: cf.functionName || '(anonymous)', url: cf.url, line: cf.lineNumber + 1, label: label(cf), category: category(cf),
    self: 0, total: 0, children: [], _index: new Map(),
  });
  const root = { ...make({ functionName: 'all', url: '', lineNumber: -1, columnNumber: -1 }), label: 'all', category: 'vm' };
  // iterative walk (deep async stacks must not overflow the harness's own stack)
  const stack = [[rootId, root, true]];
  while (stack.length) {
    const [id, into, isRoot] = stack.pop();
    const node = byId.get(id);
    if (!node) continue;
    let target = into;
    if (!isRoot) {
      const k = frameKey(node.callFrame);
      target = into._index.get(k);
      if (!target) { target = make(node.callFrame); into._index.set(k, target); into.children.push(target); }
    }
    target.self += selfById.get(id) ?? 0;
    for (const c of node.children ?? []) stack.push([c, target, false]);
  }
  // totals bottom-up (children before parents), drop empty subtrees, sort children, forget the indexes
  const post = [root];
  for (let i = 0; i < post.length; i++) post.push(...post[i].children); // BFS order; finish children before parents
  for (let i = post.length - 1; i >= 0; i--) {
    const n = post[i];
    n.children = n.children.filter((c) => c.total > 0);
    n.total = n.self + n.children.reduce((a, c) => a + c.total, 0);
    n.children.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    delete n._index;
  }
  return { root, samples, idle_us: idleUs, window: { from_us: fromUs, to_us: toUs } };
}

/** Functions by self time over the whole tree (same name and location merged), the heaviest first. */
export function topSelf(root, n = 25) {
  const agg = new Map();
  const stack = [root];
  while (stack.length) {
    const x = stack.pop();
    if (x !== root && x.self > 0) {
      const k = x.label;
      const a = agg.get(k) ?? { label: x.label, name: x.name, category: x.category, self_us: 0 };
      a.self_us += x.self;
      agg.set(k, a);
    }
    stack.push(...x.children);
  }
  const total = root.total || 1;
  return [...agg.values()].sort((a, b) => b.self_us - a.self_us || (a.label < b.label ? -1 : 1)).slice(0, n)
    .map((a) => ({ ...a, pct: (100 * a.self_us) / total }));
}

/** Share of the total per category (grantry, deps, node, native, gc, vm), by self time. */
export function categoryShares(root) {
  const out = {};
  const stack = [root];
  while (stack.length) {
    const x = stack.pop();
    if (x.self > 0) out[x.category] = (out[x.category] ?? 0) + x.self;
    stack.push(...x.children);
  }
  const total = root.total || 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / total]));
}

// ---------- SVG ----------
export const escapeXml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const PALETTE = { // hue ranges by category: Grantry warm, dependencies yellow, Node.js green, native blue, GC purple
  grantry: [0, 30, 75, 60], deps: [40, 58, 70, 58], node: [90, 140, 45, 55], native: [195, 215, 45, 62], gc: [275, 290, 45, 65], vm: [0, 0, 0, 72],
};
const LEGEND = [['grantry', 'Grantry (dist/)'], ['deps', 'dependencies'], ['node', 'Node.js'], ['native', 'native / V8'], ['gc', 'GC'], ['vm', '(program)']];

/** Deterministic colour for a frame: its category's hue range, the exact hue from a hash of its name. */
export function frameColor(node) {
  const [h0, h1, s, l] = PALETTE[node.category] ?? PALETTE.vm;
  let h = 2166136261;
  for (let i = 0; i < node.name.length; i++) { h ^= node.name.charCodeAt(i); h = Math.imul(h, 16777619); }
  const f = ((h >>> 0) % 1000) / 1000;
  return `hsl(${Math.round(h0 + (h1 - h0) * f)},${s}%,${Math.round(l + 8 * (f - 0.5))}%)`;
}

const ms = (us) => (us >= 10_000 ? `${(us / 1000).toFixed(0)} ms` : `${(us / 1000).toFixed(1)} ms`);

/**
 * A static flame graph (root at the bottom, width ∝ time, children in label order), each frame with a <title>
 * tooltip (label, time, share). Frames narrower than `minWidth` px are left out with their callees.
 */
export function renderSvg(tree, { title = 'CPU flame graph', subtitle = '', width = 1200, frameHeight = 16, fontSize = 11, minWidth = 0.3 } = {}) {
  const root = tree.root;
  const pad = 10, top = subtitle ? 66 : 50, bottom = 10;
  let depth = 0;
  const frames = [];
  const total = root.total;
  const scale = total > 0 ? (width - 2 * pad) / total : 0;
  const walk = [[root, pad, 0]];
  while (walk.length) {
    const [n, x, d] = walk.pop();
    const w = n.total * scale;
    if (w < minWidth) continue;
    frames.push({ n, x, w, d });
    if (d > depth) depth = d;
    let cx = x;
    for (const c of n.children) { walk.push([c, cx, d + 1]); cx += c.total * scale; }
  }
  const height = top + (depth + 1) * frameHeight + bottom;
  const charW = fontSize * 0.6;
  const out = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Menlo, Consolas, 'DejaVu Sans Mono', monospace" font-size="${fontSize}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fbfbf8"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="${fontSize + 4}">${escapeXml(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="${width / 2}" y="37" text-anchor="middle" fill="#555">${escapeXml(subtitle)}</text>`);
  let lx = pad;
  const ly = subtitle ? 50 : 33;
  for (const [cat, text] of LEGEND) {
    out.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${frameColor({ category: cat, name: '' })}"/><text x="${lx + 14}" y="${ly + 9}" fill="#333">${escapeXml(text)}</text>`);
    lx += 24 + text.length * charW;
  }
  for (const { n, x, w, d } of frames) {
    const y = height - bottom - (d + 1) * frameHeight;
    const share = total > 0 ? (100 * n.total) / total : 0;
    const tip = `${n.label} — ${ms(n.total)} (${share.toFixed(2)} %), self ${ms(n.self)}`;
    const fill = n === root ? '#d9d9d4' : frameColor(n);
    let text = '';
    const fit = Math.floor((w - 6) / charW);
    if (fit >= 3) {
      const l = n === root ? `all — ${ms(total)} of busy time` : n.label;
      text = `<text x="${(x + 3).toFixed(1)}" y="${(y + frameHeight - 4.5).toFixed(1)}">${escapeXml(l.length <= fit ? l : `${l.slice(0, fit - 2)}..`)}</text>`;
    }
    out.push(`<g><title>${escapeXml(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0, w - 0.5).toFixed(2)}" height="${frameHeight - 1}" rx="1" fill="${fill}"/>${text}</g>`);
  }
  out.push('</svg>', '');
  return out.join('\n');
}

/** Top self-time functions as a markdown table. */
export function topSelfTable(rows) {
  return ['| # | self ms | self % | function (location) | kind |', '| ---: | ---: | ---: | --- | --- |',
    ...rows.map((r, i) => `| ${i + 1} | ${(r.self_us / 1000).toFixed(1)} | ${r.pct.toFixed(1)} | ${r.label.replace(/\|/g, '\\|')} | ${r.category} |`)].join('\n');
}

// ---------- CLI ----------
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { parseArgs } = await import('node:util');
  const { values: o, positionals } = parseArgs({
    allowPositionals: true,
    options: { svg: { type: 'string' }, title: { type: 'string' }, 'from-us': { type: 'string' }, 'to-us': { type: 'string' }, top: { type: 'string', default: '25' }, idle: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (o.help || positionals.length !== 1) {
    console.log('usage: node bench/flamegraph.mjs PROFILE.cpuprofile [--svg OUT.svg] [--title T] [--from-us N --to-us N] [--top 25] [--idle]');
    process.exit(o.help ? 0 : 2);
  }
  const profile = JSON.parse(fs.readFileSync(positionals[0], 'utf8'));
  const tree = buildTree(profile, { fromUs: o['from-us'] ? Number(o['from-us']) : -Infinity, toUs: o['to-us'] ? Number(o['to-us']) : Infinity, includeIdle: o.idle });
  if (o.svg) {
    fs.writeFileSync(o.svg, renderSvg(tree, { title: o.title ?? path.basename(positionals[0]), subtitle: `${tree.samples} samples, ${ms(tree.root.total)} busy, ${ms(tree.idle_us)} idle` }));
    console.error(`wrote ${o.svg}`);
  }
  console.log(topSelfTable(topSelf(tree.root, Number(o.top))));
}
