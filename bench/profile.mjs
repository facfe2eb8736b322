#!/usr/bin/env node
// bench/profile.mjs — `npm run bench:profile`: where Grantry's CPU time goes under load. One Grantry process (one
// worker, on CPU 0; load generator on CPU 1) runs under `node --cpu-prof` per load:
//   client-credentials  autocannon c=50, client_credentials (default ES256)
//   refresh             refresh-load.mjs, 50 chains each presenting its newest token (SQLite by default)
// Each .cpuprofile is written into bench/results/<UTC>/profile/; only the samples taken while the measured load
// ran are kept (the profile clock is CLOCK_MONOTONIC, like process.hrtime here), so start-up, bootstrap and
// provisioning stay out. Then bench/flamegraph.mjs renders docs/flamegraph-client-credentials.svg and
// docs/flamegraph-refresh.svg and the top functions by self time are printed (also profile-summary.md/.json).
//
//   node bench/profile.mjs [--loads client-credentials,refresh] [--alg ES256] [--db sqlite] [--duration 20]
//        [--warmup 3] [--connections 50] [--chains 50] [--top 25] [--svg-dir docs] [--quick] [--out DIR]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as lib from './lib.mjs';
import { prepareClientCredentials } from './cc.mjs';
import { prepareRotation, DEFAULT_PG_URL } from './rotation.mjs';
import { buildTree, categoryShares, renderSvg, topSelf, topSelfTable } from './flamegraph.mjs';

const LOADS = ['client-credentials', 'refresh'];
const USAGE = `usage: node bench/profile.mjs [options]        (npm run bench:profile -- [options])
  --loads LIST      ${LOADS.join(',')} (default: both)
  --alg ALG         RS256 or ES256 (default ES256)
  --db DB           refresh load on sqlite or postgres (default sqlite)
  --duration S      profiled seconds of load (default 20; --quick 2)
  --warmup S        unprofiled load first (default 3; --quick 1)
  --connections N   autocannon concurrency (default 50)
  --chains N        refresh chains (default 50)
  --top N           functions by self time to print (default 25)
  --svg-dir DIR     where the SVGs go (default docs/; with --quick the results folder)
  --pg-url URL      for --db postgres (default ${DEFAULT_PG_URL})
  --quick           2-second smoke run
  --out DIR         default bench/results/<UTC timestamp>/`;
const { values: opt } = parseArgs({
  options: {
    loads: { type: 'string', default: LOADS.join(',') },
    alg: { type: 'string', default: 'ES256' },
    db: { type: 'string', default: 'sqlite' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    chains: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    'svg-dir': { type: 'string' },
    'pg-url': { type: 'string', default: DEFAULT_PG_URL },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) { console.log(USAGE); process.exit(0); }
const die = (msg) => { console.error(`${msg}\n${USAGE}`); process.exit(2); };
const int = (name, fallback, min, max) => {
  const v = Number(opt[name] ?? fallback);
  if (!Number.isInteger(v) || v < min || v > max) die(`--${name} must be an integer in [${min}, ${max}]`);
  return v;
};
const DURATION = int('duration', opt.quick ? 2 : 20, 1, 120);
const WARMUP = int('warmup', opt.quick ? 1 : 3, 1, 30);
const CONNECTIONS = int('connections', 50, 1, 1000);
const CHAINS = int('chains', 50, 1, 500);
const TOP = int('top', 25, 1, 200);
const ALG = { RS256: 'RS256', ES256: 'ES256' }[opt.alg.toUpperCase()] ?? die('--alg: RS256 or ES256');
const DB = ['sqlite', 'postgres'].includes(opt.db) ? opt.db : die('--db: sqlite or postgres');
const WANT = opt.loads.split(/[\s,]+/).filter(Boolean);
if (!WANT.length || WANT.some((l) => !LOADS.includes(l))) die(`--loads: from ${LOADS.join(', ')}`);

const SERVER_CPU = 0;
const LOAD_CPU = 1;
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const OUT = path.resolve(opt.out ?? path.join(lib.BENCH_DIR, 'results', `${stamp}-profile`));
const PROF_DIR = path.join(OUT, 'profile');
const SVG_DIR = path.resolve(opt['svg-dir'] ?? (opt.quick ? OUT : path.join(lib.REPO_ROOT, 'docs')));

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const profArgs = (name) => ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`, `--cpu-prof-name=${name}.cpuprofile`];

/** Wait (bounded) for the profile the server writes on its way out. */
async function readProfile(file) {
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* not written (completely) yet */ }
    await lib.sleep(100);
  }
  throw new Error(`${file} was not written (did the server exit cleanly on SIGTERM?)`);
}

async function profileClientCredentials() {
  const name = 'client-credentials';
  const p = await prepareClientCredentials({ alg: ALG, cpu: SERVER_CPU, logFile: path.join(OUT, `grantry-${name}.log`), nodeArgs: profArgs(name), label: `grantry ${name}` });
  let window, run;
  try {
    const load = { url: p.url, connections: CONNECTIONS, headers: p.headers, body: p.body, cpu: LOAD_CPU };
    lib.log(`${name}: warm-up ${WARMUP}s, then ${DURATION}s profiled at c=${CONNECTIONS}`);
    await lib.autocannonRun({ ...load, duration: WARMUP });
    const t0 = nowUs();
    run = await lib.autocannonRun({ ...load, duration: DURATION, serverPid: p.server.pid, serverCpu: SERVER_CPU });
    window = { from_us: t0, to_us: nowUs() };
    lib.log(`  ${lib.fmt0(run.rps)} req/s (under the profiler), non-2xx ${run.non2xx}, server cores ${lib.fmt2(run.server_cores)}`);
  } finally {
    await p.cleanup(); // SIGTERM: Grantry exits and node writes the profile
  }
  return { name, title: `Grantry client_credentials ${ALG}, c=${CONNECTIONS}, one process on one core`, window, run };
}

async function profileRefresh() {
  const name = 'refresh';
  const p = await prepareRotation({ db: DB, alg: ALG, chains: CHAINS, cpu: SERVER_CPU, loadCpu: LOAD_CPU, logFile: path.join(OUT, `grantry-${name}.log`),
    pgUrl: opt['pg-url'], stamp, nodeArgs: profArgs(name), tag: `${DB}-${ALG}` });
  let window, run;
  try {
    const warmFile = path.join(p.dataDir, 'tokens-warmup.txt');
    await p.provision('profile warm-up', warmFile);
    lib.log(`${name}: warm-up ${WARMUP}s, then ${DURATION}s profiled with ${CHAINS} chains (${DB})`);
    await lib.refreshLoadRun({ ...p.loadOpts, duration: WARMUP, tokensFile: warmFile, jsonFile: path.join(OUT, 'refresh-warmup.json'), serverPid: undefined, serverCpu: null, extraCpu: undefined });
    const file = path.join(p.dataDir, 'tokens.txt');
    await p.provision('profile', file);
    const t0 = nowUs();
    run = await lib.refreshLoadRun({ ...p.loadOpts, duration: DURATION, tokensFile: file, jsonFile: path.join(OUT, 'refresh.json') });
    window = { from_us: t0, to_us: nowUs() };
    lib.log(`  ${lib.fmt0(run.rps)} rotations/s (under the profiler), non-200 ${run.non2xx}, server cores ${lib.fmt2(run.server_cores)}`);
  } finally {
    await p.cleanup();
  }
  return { name, title: `Grantry refresh rotation ${ALG} on ${DB === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${CHAINS} chains, one process on one core`, window, run };
}

async function main() {
  lib.installCleanup();
  lib.assertCanPin();
  fs.mkdirSync(PROF_DIR, { recursive: true });
  fs.mkdirSync(SVG_DIR, { recursive: true });
  lib.log(`profiles in ${PROF_DIR}; SVGs in ${SVG_DIR}`);
  const summary = { settings: { loads: WANT, alg: ALG, db: DB, duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, chains: CHAINS, quick: opt.quick }, machine: lib.machineNotes(), profiles: {} };
  const md = [`## Grantry CPU profiles — ${summary.machine.date_utc}`, ''];
  if (opt.quick) md.push('**--quick: a smoke run; too few samples to read anything into.**', '');
  for (const load of WANT) {
    const r = load === 'client-credentials' ? await profileClientCredentials() : await profileRefresh();
    const file = path.join(PROF_DIR, `${r.name}.cpuprofile`);
    const profile = await readProfile(file);
    const tree = buildTree(profile, { fromUs: r.window.from_us, toUs: r.window.to_us });
    if (tree.samples === 0) throw new Error(`${file}: no samples inside the load window — is the profile clock not CLOCK_MONOTONIC?`);
    const busyMs = tree.root.total / 1000, idleMs = tree.idle_us / 1000;
    const subtitle = `${tree.samples} samples in ${((r.window.to_us - r.window.from_us) / 1e6).toFixed(1)} s of load: ${busyMs.toFixed(0)} ms busy, ${idleMs.toFixed(0)} ms idle (idle left out); ${summary.machine.node}; ${summary.machine.date_utc.slice(0, 10)}`;
    const svgFile = path.join(SVG_DIR, `flamegraph-${r.name}.svg`);
    fs.writeFileSync(svgFile, renderSvg(tree, { title: r.title, subtitle }));
    const top = topSelf(tree.root, TOP);
    const shares = categoryShares(tree.root);
    summary.profiles[r.name] = { cpuprofile: file, svg: svgFile, window: r.window, samples: tree.samples, busy_ms: busyMs, idle_ms: idleMs, shares, top, run: r.run };
    md.push(`### ${r.title}`, '', subtitle + '.', `Busy time by kind: ${Object.entries(shares).map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`).join(', ')}.`,
      `Flame graph: ${path.relative(lib.REPO_ROOT, svgFile)}; profile: ${path.relative(lib.REPO_ROOT, file)}.`, '', `Top ${top.length} functions by self time:`, '', topSelfTable(top), '');
    lib.log(`${r.name}: wrote ${svgFile}`);
  }
  const text = md.join('\n');
  fs.writeFileSync(path.join(OUT, 'profile-summary.md'), text + '\n');
  fs.writeFileSync(path.join(OUT, 'profile-summary.json'), JSON.stringify(summary, null, 2));
  console.log(text);
}

try {
  await main();
} catch (err) {
  console.error(err?.stack ?? err);
  process.exitCode = 1;
} finally {
  await lib.stopAll();
}
