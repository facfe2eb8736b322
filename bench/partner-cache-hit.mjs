// bench/partner-cache-hit.mjs — the partner kit's overhead per getAccessToken call on a cache hit, next
// to anchors measured in the same run: a plain Map lookup, and an async function returning a Map
// lookup (the await every caller of an async API pays anyway). Also grantry/partner's import cost in
// a fresh process, next to grantry/verify's.
//
//   npm run build   # or: npx tsc -p tsconfig.partner.json (the kit only)
//   node bench/partner-cache-hit.mjs [--runs 5] [--calls 2000000] [--imports 7] [--json]
//
// Every figure is the median of the runs; the machine is shared and noisy, so compare the ratios
// within one run, not absolute numbers across runs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist/partner/index.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = Math.max(3, arg('runs', 5));
const CALLS = arg('calls', 2_000_000);
const IMPORTS = Math.max(3, arg('imports', 7));
const json = process.argv.includes('--json');
if (!existsSync(DIST)) {
  console.error('dist/partner is missing: npm run build (or npx tsc -p tsconfig.partner.json) first');
  process.exit(1);
}

const { createTokenManager, memoryStore } = await import(pathToFileURL(DIST).href);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 20 installations whose access tokens are valid for an hour: every call below is a cache hit.
const store = memoryStore();
const ids = Array.from({ length: 20 }, (_, i) => `ins_${String(i).padStart(2, '0')}`);
for (const id of ids) {
  await store.receive(`msg_${id}`, {
    kind: 'credentials', installationId: id, credentialsVersion: 1, refreshToken: `grt_${id}`, accessToken: `at_${id}`,
    accessTokenExpiresAt: Date.now() + 3_600_000, accessTokenIssuedAt: Date.now(), organizationId: null, clientId: null, scopes: [],
  }, { now: Date.now(), completed: true });
}
const manager = createTokenManager({
  issuer: 'http://grantry.invalid', clientId: 'bench', clientSecret: 'bench', store,
  fetch: () => { throw new Error('a cache hit must not call the token endpoint'); },
});
for (const id of ids) await manager.getAccessToken(id); // fills the cache

const map = new Map(ids.map((id) => [id, `at_${id}`]));
const asyncMap = async (id) => map.get(id);
let sink = 0;

/** ns per call for `fn` over CALLS calls cycling through the installations. */
async function measure(fn, awaited) {
  const started = performance.now();
  if (awaited) for (let i = 0; i < CALLS; i++) sink += (await fn(ids[i % 20])).length;
  else for (let i = 0; i < CALLS; i++) sink += fn(ids[i % 20]).length;
  return ((performance.now() - started) * 1e6) / CALLS;
}

const cases = [
  ['Map.get (sync anchor)', (id) => map.get(id), false],
  ['async () => Map.get (await anchor)', asyncMap, true],
  ['manager.getAccessToken (cache hit)', (id) => manager.getAccessToken(id), true],
];
const samples = new Map(cases.map(([name]) => [name, []]));
for (const [, fn, awaited] of cases) await measure(fn, awaited); // warm-up: JIT
for (let r = 0; r < RUNS; r++) for (const [name, fn, awaited] of cases) samples.get(name).push(await measure(fn, awaited));

/** Import time of a module in a fresh node process (measured inside it, so node's own start-up is excluded). */
function importMs(url) {
  const script = `const t = performance.now(); await import(${JSON.stringify(url)}); process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }));
}
const imports = {
  'grantry/partner': Array.from({ length: IMPORTS }, () => importMs(pathToFileURL(DIST).href)),
  'grantry/verify': existsSync(join(ROOT, 'dist/verify/index.js')) ? Array.from({ length: IMPORTS }, () => importMs(pathToFileURL(join(ROOT, 'dist/verify/index.js')).href)) : null,
  'node:crypto (floor)': Array.from({ length: IMPORTS }, () => importMs('node:crypto')),
};

const sync = median(samples.get(cases[0][0]));
const awaitAnchor = median(samples.get(cases[1][0]));
const rows = cases.map(([name]) => {
  const ns = median(samples.get(name));
  return { case: name, ns_per_call: +ns.toFixed(1), ops_per_s: Math.round(1e9 / ns), vs_map: +(ns / sync).toFixed(1), vs_await: +(ns / awaitAnchor).toFixed(2), runs: samples.get(name).map((x) => +x.toFixed(1)) };
});
const importRows = Object.entries(imports).filter(([, v]) => v).map(([name, v]) => ({ module: name, median_ms: +median(v).toFixed(1), runs_ms: v.map((x) => +x.toFixed(1)) }));
await manager.close();
if (json) {
  process.stdout.write(JSON.stringify({ calls: CALLS, runs: RUNS, rows, imports: importRows, node: process.version }, null, 2) + '\n');
} else {
  console.log(`grantry/partner cache hit: ${CALLS.toLocaleString('en')} calls per run, median of ${RUNS} runs, node ${process.version}\n`);
  console.log('| case | ns/call | calls/s | × Map.get | × await anchor |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.case} | ${r.ns_per_call} | ${r.ops_per_s.toLocaleString('en')} | ${r.vs_map} | ${r.vs_await} |`);
  console.log(`\nimport in a fresh process (median of ${IMPORTS}):\n`);
  console.log('| module | ms |');
  console.log('|---|---:|');
  for (const r of importRows) console.log(`| ${r.module} | ${r.median_ms} |`);
}
if (sink === 42) console.log(''); // keeps the loops' results alive
