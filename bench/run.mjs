#!/usr/bin/env node
// bench/run.mjs — `npm run bench`: every performance figure of the issue, side by side, from ONE run on this
// machine, printed as ONE table with ratios against anchors measured in the same run, the targets and pass/fail.
//
//   parts (all by default, in this order):
//     sign      sign-limit.mjs (peers folder): node:crypto sync signatures/s, RS256 and ES256, on CPU 0
//     cc        Grantry client_credentials RS256 and ES256: server on CPU 0, autocannon on CPU 1, c=50; before each,
//               the ceiling: sign-floor.mjs (the Fastify floor plus one signature per request), measured alike
//     rotation  Grantry refresh rotation, 50 chains each using its newest token: RS256 SQLite, RS256 PostgreSQL,
//               ES256 SQLite (pinned as cc); then the reuse policy (no new refresh token), ES256 SQLite and PostgreSQL
//     peers     run-peers.sh: Fastify floor, oidc-provider, node-oauth2-server — client_credentials (autocannon)
//               and rotation (refresh-load.mjs), same pinning, duration, repeat
//     workers   `grantry serve --workers 2` vs one worker, both unpinned (load generator too), ES256 and RS256
//     memory    RSS after the first 10,000 and after --memory-count client_credentials ES256 requests (pinned)
//     webhooks  webhook delivery (bench/webhook-delivery.mjs): outbox drain rate and creation → receipt latency on
//               SQLite, PostgreSQL and two processes on PostgreSQL, against the receiver's own ceiling; its own tables
//
//   node bench/run.mjs [--parts LIST] [--skip LIST] [--duration 10] [--repeat 3] [--warmup 3] [--connections 50]
//                      [--chains 50] [--memory-count 1000000] [--pg-url URL] [--quick] [--strict] [--out DIR]
//
// Results: bench/results/<UTC>/ (git-ignored): results.json (settings, machine, every run, the rows), table.md,
// raw/, peers/, sign-limit.*, grantry-*.log. See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as lib from './lib.mjs';
import { benchClientCredentials, benchSignFloor } from './cc.mjs';
import { benchRotation, rotationKey, DEFAULT_PG_URL, checkPgUrl, pgClient } from './rotation.mjs';
import { benchMemory } from './memory.mjs';
import { buildRows, renderReport, tally } from './report.mjs';
import { benchWebhooks, renderTables as renderWebhookTables } from './webhook-delivery.mjs';

const ALL_PARTS = ['sign', 'cc', 'rotation', 'peers', 'workers', 'memory', 'webhooks'];
const PEER_TARGETS = ['floor-form', 'oidc-provider', 'node-oauth2-server'];
const CC_ALGS = ['RS256', 'ES256'];
// The issue's three rotation figures, then the `reuse` policy (the partner default; no target) on both stores.
const ROTATIONS = [['sqlite', 'RS256'], ['postgres', 'RS256'], ['sqlite', 'ES256'], ['sqlite', 'ES256', 'reuse'], ['postgres', 'ES256', 'reuse']];
const WORKER_ALGS = ['ES256', 'RS256'];

const USAGE = `usage: node bench/run.mjs [options]        (npm run bench -- [options])
  --parts LIST         comma-separated, from ${ALL_PARTS.join(',')} (default: all)
  --skip LIST          parts to leave out
  --duration S         seconds per measured run (default 10; --quick 2)
  --repeat N           measured runs per figure, medians (default 3; --quick 1)
  --warmup S           unrecorded warm-up before each figure (default 3; --quick 1)
  --connections N      autocannon concurrency (default 50)
  --chains N           rotation chains (default 50)
  --memory-count N     client_credentials requests for the memory part (default 1000000; --quick 20000)
  --pg-url URL         PostgreSQL for the rotation and webhooks parts (default ${DEFAULT_PG_URL}; a schema is created and dropped)
  --quick              2-second smoke run of every part: proves the harness works, measures nothing
  --strict             exit 3 when a target is not met (default: targets are reported, not asserted)
  --out DIR            default bench/results/<UTC timestamp>/`;

const { values: opt } = parseArgs({
  options: {
    parts: { type: 'string' },
    skip: { type: 'string' },
    duration: { type: 'string' },
    repeat: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    chains: { type: 'string', default: '50' },
    'memory-count': { type: 'string' },
    'pg-url': { type: 'string', default: DEFAULT_PG_URL },
    quick: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) { console.log(USAGE); process.exit(0); }

const die = (msg) => { console.error(`${msg}\n${USAGE}`); process.exit(2); };
const int = (name, fallback, min, max) => {
  const raw = opt[name] ?? String(fallback);
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) die(`--${name} must be an integer in [${min}, ${max}]`);
  return v;
};
const list = (s) => (s ?? '').split(/[\s,]+/).filter(Boolean);
const Q = opt.quick;
const DURATION = int('duration', Q ? 2 : 10, 1, 60);
const REPEAT = int('repeat', Q ? 1 : 3, 1, 10);
const WARMUP = int('warmup', Q ? 1 : 3, 1, 30);
const CONNECTIONS = int('connections', 50, 1, 1000);
const CHAINS = int('chains', 50, 1, 500);
const MEMORY_COUNT = int('memory-count', Q ? 20_000 : 1_000_000, 20_000, 100_000_000);
const MEMORY_FIRST = 10_000;
const SIGN_RUNS = Q ? 1 : 3;
const SIGN_MS = Q ? 500 : 2000;
const unknown = [...list(opt.parts), ...list(opt.skip)].filter((p) => !ALL_PARTS.includes(p));
if (unknown.length) die(`unknown part(s): ${unknown.join(', ')}`);
const PARTS = (opt.parts ? list(opt.parts) : ALL_PARTS).filter((p) => !list(opt.skip).includes(p));
if (!PARTS.length) die('no parts left to run');
try { checkPgUrl(opt['pg-url']); } catch (err) { die(`--pg-url: ${err.message}`); }
const PG_URL = opt['pg-url'];

const SERVER_CPU = 0; // "Grantry on one core"; the signing limit runs there too
const LOAD_CPU = 1;
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const OUT = path.resolve(opt.out ?? path.join(lib.BENCH_DIR, 'results', stamp));

const results = {
  settings: {
    quick: Q, parts: PARTS, duration: DURATION, repeat: REPEAT, warmup: WARMUP, connections: CONNECTIONS, chains: CHAINS,
    memory_count: MEMORY_COUNT, memory_first: MEMORY_FIRST, memory_alg: 'ES256', sign_runs: SIGN_RUNS, sign_ms: SIGN_MS,
    pinning: { server_cpu: SERVER_CPU, load_cpu: LOAD_CPU, workers_part: 'unpinned (server and load generator)' },
    peer_targets: PARTS.includes('peers') ? PEER_TARGETS : [],
    pg_url: PG_URL.replace(/\/\/[^@/]*@/, '//…@'),
  },
  machine: lib.machineNotes(),
  sign_limit: null,
  sign_floor: {},
  peers: { http: {}, refresh: {} },
  cc: {},
  rotation: {},
  workers: {},
  memory: null,
  webhooks: null,
  failures: {},
  timings_s: {},
};
const save = () => fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2));

/** Run one part; a failure is recorded (and shown under the table) and the other parts go on. */
async function part(name, fn) {
  if (!PARTS.includes(name)) return;
  const t0 = Date.now();
  lib.log(`=== ${name} ===`);
  try {
    await fn();
  } catch (err) {
    results.failures[name] = err?.stack ?? String(err);
    lib.log(`${name} FAILED: ${err?.message ?? err}`);
  } finally {
    results.timings_s[name] = Math.round((Date.now() - t0) / 1000);
    save();
  }
}

async function main() {
  lib.installCleanup();
  lib.assertCanPin();
  fs.mkdirSync(path.join(OUT, 'raw'), { recursive: true });
  lib.log(`results in ${OUT}; parts: ${PARTS.join(', ')}${Q ? ' (--quick)' : ''}`);
  const load1 = os.loadavg()[0];
  if (load1 > 0.5) lib.log(`warning: load average ${load1.toFixed(2)} — the machine is not quiet, so the figures will be noisy (see "others on CPU 0")`);

  // Preflight: fail in seconds, not after minutes of load.
  if (PARTS.includes('rotation') || PARTS.includes('webhooks')) {
    const c = await pgClient(PG_URL).catch((err) => { throw new Error(`PostgreSQL at ${results.settings.pg_url} is not reachable (${err.message}); use --skip rotation,webhooks or --pg-url`); });
    await c.end();
  }
  const peersDir = PARTS.includes('peers') || PARTS.includes('sign') ? await lib.ensurePeers() : null;

  await part('sign', async () => {
    results.sign_limit = await lib.signLimit({ dir: peersDir, algs: ['RS256', 'ES256'], cpu: SERVER_CPU, out: OUT, runs: SIGN_RUNS, durationMs: SIGN_MS });
  });

  await part('cc', async () => {
    for (const alg of CC_ALGS) {
      const common = { alg, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, connections: CONNECTIONS, duration: DURATION, warmup: WARMUP, repeat: REPEAT, out: OUT };
      results.sign_floor[alg] = await benchSignFloor(common);
      save();
      results.cc[alg] = await benchClientCredentials({ alg, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, connections: CONNECTIONS, duration: DURATION, warmup: WARMUP, repeat: REPEAT, out: OUT, tag: `cc-${alg}` });
      save();
    }
  });

  await part('rotation', async () => {
    const errs = [];
    for (const [db, alg, policy = 'rotate'] of ROTATIONS) {
      const key = rotationKey(db, alg, policy);
      try {
        results.rotation[key] = await benchRotation({ db, alg, policy, chains: CHAINS, duration: DURATION, warmup: WARMUP, repeat: REPEAT, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, pgUrl: PG_URL, out: OUT, stamp });
      } catch (err) { errs.push(`${key}: ${err.message}`); lib.log(`rotation ${key} failed: ${err.message}`); }
      save();
    }
    if (errs.length) throw new Error(errs.join('\n'));
  });

  await part('peers', async () => {
    const peersOut = path.join(OUT, 'peers');
    fs.mkdirSync(peersOut, { recursive: true });
    results.peers = await lib.runPeersLoads({ dir: peersDir, targets: PEER_TARGETS, pin: true, duration: DURATION, warmup: WARMUP, repeat: REPEAT,
      connections: CONNECTIONS, chains: CHAINS, http: true, refresh: true, out: peersOut });
    const missing = [...PEER_TARGETS.filter((t) => !results.peers.http[t]), ...['oidc-provider', 'node-oauth2-server'].filter((t) => !results.peers.refresh[t]).map((t) => `${t} rotation`)];
    if (missing.length) throw new Error(`no figures for ${missing.join(', ')} (see ${peersOut})`);
  });

  await part('workers', async () => {
    for (const alg of WORKER_ALGS) {
      const w = {};
      for (const [key, workers] of [['one', 1], ['two', 2]]) {
        w[key] = await benchClientCredentials({ alg, serverCpu: null, loadCpu: null, connections: CONNECTIONS, duration: DURATION, warmup: WARMUP, repeat: REPEAT, out: OUT, workers, tag: `workers${workers}-${alg}` });
      }
      results.workers[alg] = w;
      save();
    }
  });

  await part('memory', async () => {
    results.memory = await benchMemory({ alg: 'ES256', count: MEMORY_COUNT, first: MEMORY_FIRST, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, connections: CONNECTIONS, out: OUT });
    // the curve, for a spreadsheet: time series (1 s) and the checkpoint after every chunk
    fs.writeFileSync(path.join(OUT, 'memory-rss.csv'), ['t_s,requests_done,rss_kib', ...results.memory.rss_samples.map((x) => `${x.t_s},${x.requests_done},${x.rss_kib}`)].join('\n') + '\n');
    fs.writeFileSync(path.join(OUT, 'memory-checkpoints.csv'), ['requests,t_s,rss_kib,hwm_kib', ...results.memory.checkpoints.map((x) => `${x.requests},${x.t_s},${x.rss_kib},${x.hwm_kib}`)].join('\n') + '\n');
  });

  await part('webhooks', async () => {
    // Its own rounds (anchor, SQLite, PostgreSQL, 2 × PostgreSQL; --repeat rounds) and its own tables, below the main one.
    const out = path.join(OUT, 'webhooks');
    fs.mkdirSync(out, { recursive: true });
    results.webhooks = await benchWebhooks({ dbs: ['sqlite', 'postgres'], processes: [1, 2], deliveries: Q ? 300 : 2000, runs: REPEAT, rate: 20,
      steadySeconds: Q ? 3 : 10, shots: Q ? 3 : 10, anchorSeconds: Q ? 1 : 6, warmupDeliveries: Q ? 50 : 200, pin: true, pgUrl: PG_URL, out, stamp });
    fs.writeFileSync(path.join(out, 'table.md'), `${renderWebhookTables(results.webhooks)}\n`);
  });

  results.machine.loadavg_after = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const rows = buildRows(results);
  results.rows = rows;
  results.tally = tally(rows);
  const report = renderReport(results, rows) + (results.webhooks ? `\n\n${renderWebhookTables(results.webhooks)}` : '');
  save();
  fs.writeFileSync(path.join(OUT, 'table.md'), report + '\n');
  console.log(report);
  lib.log(`wrote ${path.join(OUT, 'results.json')} and table.md`);

  const grantrySummaries = [
    ...Object.values(results.cc), ...Object.values(results.rotation),
    ...Object.values(results.workers).flatMap((w) => [w.one, w.two]),
  ].filter(Boolean).map((x) => x.summary);
  const bad = grantrySummaries.some((s) => s.non2xx || s.errors) || (results.memory && (results.memory.non2xx || results.memory.errors))
    || Object.values(results.webhooks?.summary.configs ?? {}).some((c) => c.duplicates || c.failed_attempts);
  if (Object.keys(results.failures).length || bad) {
    lib.log(`${Object.keys(results.failures).length ? `failed parts: ${Object.keys(results.failures).join(', ')}. ` : ''}${bad ? 'Some Grantry requests did not answer 200 (see the non-200 column).' : ''}`);
    process.exitCode = 1;
  } else if (opt.strict && results.tally.fail) {
    process.exitCode = 3;
  }
}

try {
  await main();
} catch (err) {
  console.error(err?.stack ?? err);
  process.exitCode = 1;
} finally {
  await lib.stopAll();
}
