#!/usr/bin/env node
// bench/refresh-rotation.mjs — throughput of Grantry's refresh_token grant under the `rotate` policy (or, with
// --policy reuse, the partner default, where each answer carries no new refresh token): CHAINS
// concurrent chains, each presenting its newest refresh token to POST /oauth/token (find + spend the old token,
// store its successor, sign a new access token), on SQLite and/or PostgreSQL, measured next to its anchors in
// the same run: the per-core JWT signing limit and the rotation figures of the peers in ../shared/peers
// (@node-oauth/oauth2-server and oidc-provider, both in-memory). Compare ratios within one run, never absolute
// numbers across runs (the machine is noisy).
//
// The refresh tokens are obtained the only way Grantry hands them out: installations of a `third_party`
// application, whose INSTALLATION.CREATE webhooks are received (and verified) by a small receiver on 127.0.0.1.
// Every measured run spends its chains' tokens, so each run (and the warm-up) gets fresh installations.
//
//   node bench/refresh-rotation.mjs [--db sqlite|postgres|sqlite,postgres] [--alg RS256|ES256|RS256,ES256]
//        [--policy rotate|reuse] [--chains 50] [--duration 10] [--warmup 3] [--repeat 3] [--pin] [--peers] [--out DIR]
//
// See bench/README.md for what each step does and how to read the table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as lib from './lib.mjs';
import { benchRotation, POLICIES, ROTATION_SCOPE as SCOPE } from './rotation.mjs';

const USAGE = `usage: node bench/refresh-rotation.mjs [--db sqlite|postgres|sqlite,postgres] [--alg RS256|ES256|EdDSA|RS256,ES256]
       [--policy rotate|reuse] [--chains 50] [--duration 10] [--warmup 3] [--repeat 3] [--pin] [--peers]
       [--peer-targets "oidc-provider node-oauth2-server"] [--pg-url postgres://postgres@127.0.0.1:5432/test] [--out DIR]`;
const { values: opt } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    alg: { type: 'string', default: 'RS256' },
    policy: { type: 'string', default: 'rotate' },
    chains: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '3' },
    pin: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    'peer-targets': { type: 'string', default: 'oidc-provider node-oauth2-server' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) { console.log(USAGE); process.exit(0); }

const die = (msg) => { console.error(`${msg}\n${USAGE}`); process.exit(2); };
const int = (name, min, max) => {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < min || v > max) die(`--${name} must be an integer in [${min}, ${max}]`);
  return v;
};
const CHAINS = int('chains', 1, 500);
const DURATION = int('duration', 1, 60);
const WARMUP = int('warmup', 0, 30); // 0 = no warm-up
const REPEAT = int('repeat', 1, 10);
const KNOWN_ALGS = { RS256: 'RS256', ES256: 'ES256', EDDSA: 'EdDSA' };
const ALGS = [...new Set(opt.alg.split(',').map((a) => KNOWN_ALGS[a.trim().toUpperCase()]))];
if (ALGS.includes(undefined)) die('--alg: RS256, ES256 or EdDSA (comma-separated to run several)');
const POLICY = opt.policy;
if (!POLICIES.includes(POLICY)) die(`--policy: ${POLICIES.join(' or ')}`);
const DBS = [...new Set(opt.db.split(',').map((d) => d.trim().toLowerCase()))];
if (!DBS.every((d) => d === 'sqlite' || d === 'postgres')) die('--db: sqlite, postgres or sqlite,postgres');
const PG_URL = new URL(opt['pg-url']);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(PG_URL.hostname)) die('--pg-url must point to this machine (loopback)');
const PEER_TARGETS = opt['peer-targets'].split(/[\s,]+/).filter(Boolean);

// With --pin: Grantry (and the signing-limit probe) on CPU 0, the load generator on CPU 1. PostgreSQL is not ours
// to pin: its backends run wherever the kernel puts them (they show up in "others on CPU 0" and "db cores").
const SERVER_CPU = opt.pin ? 0 : null;
const LOAD_CPU = opt.pin ? 1 : null;

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const OUT = path.resolve(opt.out ?? path.join(lib.BENCH_DIR, 'results', stamp));

const benchGrantry = (db, alg) => benchRotation({
  db, alg, policy: POLICY, chains: CHAINS, duration: DURATION, warmup: WARMUP, repeat: REPEAT, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, pgUrl: PG_URL.href, out: OUT, stamp,
});

// ---------- table ----------
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : '–');

function buildTable(results) {
  const peerNames = Object.keys(results.peers);
  const sign = results.sign_limit ?? {};
  const hasSign = Object.keys(sign).length > 0;
  const s = results.settings;
  const hasDb = Object.values(results.grantry).some((g) => Number.isFinite(g.summary.extra_cores));
  const header = ['target', 'store', 'alg', 'rotations/s median (min–max)', 'p50 ms', 'p99 ms', 'non-200', 'net errors', 'dead chains',
    'server CPU s', 'server cores', ...(hasDb ? ['db cores'] : []), 'rot/server-CPU-s', ...(s.pin ? ['others on CPU 0'] : []),
    ...(hasSign ? ['× sign limit'] : []), ...peerNames.map((p) => `× ${p}`)];
  const row = (name, store, alg, x) => [
    name, store, alg,
    `${lib.fmt0(x.rps)} (${lib.fmt0(x.rps_min)}–${lib.fmt0(x.rps_max)})`,
    lib.fmtMs(x.p50), lib.fmtMs(x.p99), String(x.non2xx), String(x.errors), String(x.dead_chains ?? '–'),
    Number.isFinite(x.server_cpu_s) ? x.server_cpu_s.toFixed(1) : 'n/a', lib.fmt2(x.server_cores),
    ...(hasDb ? [Number.isFinite(x.extra_cores) ? lib.fmt2(x.extra_cores) : '–'] : []),
    lib.fmt0(x.req_per_server_cpu_s),
    ...(s.pin ? [pct(x.others_on_server_cpu)] : []),
    // rotations/s against one core's signatures/s for that algorithm (the peers sign RS256)
    ...(hasSign ? [lib.ratio(x.rps, sign[alg])] : []),
    ...peerNames.map((p) => lib.ratio(x.rps, results.peers[p].summary.rps)),
  ];
  const rows = [
    ...Object.values(results.grantry).map((g) => row(`**grantry**`, g.db === 'postgres' ? 'PostgreSQL' : 'SQLite', g.alg, g.summary)),
    ...peerNames.map((p) => row(p, 'in-memory', 'RS256', results.peers[p].summary)),
  ];
  const m = results.machine;
  const lines = [
    `## refresh_token rotation, ${s.pin ? 'pinned (server CPU 0, load CPU 1)' : 'unpinned'} — ${m.date_utc}`,
    '',
    `POST /oauth/token \`grant_type=refresh_token\`, client_secret_basic, refresh policy \`${s.refresh_policy}\`; refresh-load.mjs with ${s.chains} chains (each presents its newest token), ` +
      `${s.duration} s × ${s.repeat}${s.warmup ? ` after a ${s.warmup} s warm-up` : ' (no warm-up)'}, fresh installations (tokens from INSTALLATION.CREATE webhooks) for every run; medians (non-200, net errors, dead chains summed over the runs).`,
    `Machine: ${m.cpu}, Node ${m.node}, OpenSSL ${m.openssl}.${peerNames.length ? ' Peers: run-peers.sh REFRESH=1 (same refresh-load.mjs, chains seeded by their /__bench/seed).' : ''}`,
    '',
    lib.markdownTable(header, rows, 'lll' + 'r'.repeat(header.length - 3)),
    '',
    'server CPU s = Grantry process CPU-seconds per run (median); server cores = that ÷ wall seconds; rot/server-CPU-s = rotations ÷ server CPU-seconds.',
  ];
  if (hasDb) lines.push('db cores = CPU of the PostgreSQL backends serving this server (by application_name) ÷ wall seconds; PostgreSQL is not pinned, so with --pin it also runs on CPU 0 and 1 and appears in "others on CPU 0".');
  if (s.pin) lines.push('others on CPU 0 = share of the server\'s core taken by other processes during the runs (pinning cannot keep them off).');
  if (hasSign) lines.push(`× sign limit = rotations/s ÷ node:crypto sync signatures/s on one core for that row's algorithm (sign-limit.mjs, median): ${Object.entries(sign).map(([a, v]) => `${a} ${lib.fmt0(v)}/s`).join(', ')}.`);
  if (peerNames.length) lines.push('× peer = rotations/s ÷ that peer\'s rotations/s in this run.');

  // Targets (reported, not asserted): the issue's are for the rotate policy.
  const g = (db, alg) => (s.refresh_policy === 'rotate' ? results.grantry[`${db}-${alg}`]?.summary : undefined);
  const n2 = results.peers['node-oauth2-server']?.summary;
  const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'met' : '**not met**');
  const t = [];
  const sqRs = g('sqlite', 'RS256');
  if (sqRs && sign.RS256) {
    const r = sqRs.rps / sign.RS256;
    t.push(`- RS256 on SQLite ≥ 85 % of the one-core signing limit: ${(100 * r).toFixed(0)} % (${lib.fmt0(sqRs.rps)} ÷ ${lib.fmt0(sign.RS256)}; per server CPU-second ${(100 * sqRs.req_per_server_cpu_s / sign.RS256).toFixed(0)} %) — ${verdict(r >= 0.85)}`);
  } else if (sqRs) t.push('- RS256 on SQLite ≥ 85 % of the one-core signing limit: n/a (run with --peers for the signing limit)');
  for (const alg of ALGS) {
    const pgx = g('postgres', alg);
    if (!pgx) continue;
    if (n2) t.push(`- ${alg} on PostgreSQL ≥ 1.3× node-oauth2-server (in-memory): ${(pgx.rps / n2.rps).toFixed(2)}× (${lib.fmt0(pgx.rps)} ÷ ${lib.fmt0(n2.rps)}) — ${verdict(pgx.rps / n2.rps >= 1.3)}${alg === 'RS256' ? '' : ' (the peer signs RS256)'}`);
    else t.push(`- ${alg} on PostgreSQL ≥ 1.3× node-oauth2-server: n/a (run with --peers)`);
  }
  const sqEs = g('sqlite', 'ES256');
  if (sqEs) t.push(`- ES256 on SQLite ≥ 4,000 rotations/s: ${lib.fmt0(sqEs.rps)} — ${verdict(sqEs.rps >= 4000)}`);
  if (t.length) lines.push('', 'Targets (reported, not asserted):', ...t);

  // Anything but 200 is a finding: say exactly what came back. Under `rotate` every 200 carries a new refresh
  // token; under `reuse` none does.
  const rotates = s.refresh_policy === 'rotate';
  const bad = [];
  for (const [k, x] of Object.entries(results.grantry)) {
    for (const [i, r] of [...(x.warmup ? [['warm-up', x.warmup]] : []), ...x.runs.map((r, j) => [`run ${j + 1}`, r])]) {
      const wrongShape = rotates ? r.not_rotated : (r.statuses?.['200'] ?? 0) - (r.not_rotated ?? 0);
      if (r.non2xx || r.errors || wrongShape) bad.push(`- grantry ${k} ${i}: statuses ${JSON.stringify(r.statuses)}, errors ${JSON.stringify(r.error_codes)}, net errors ${r.errors}, dead chains ${r.dead_chains}, not rotated ${r.not_rotated}`);
    }
  }
  const allGood = rotates ? 'Every Grantry rotation answered 200 with a new refresh token' : 'Every Grantry refresh answered 200 without a new refresh token (reuse)';
  lines.push('', bad.length ? 'Non-200 answers / errors:' : `${allGood} (no net errors, no dead chains).`, ...bad);
  const reuse = [...new Set(Object.values(results.grantry).flatMap((x) => x.runs.map((r) => (r.reuse ? `${r.reuse.status} ${r.reuse.error ?? ''}`.trim() : 'n/a'))))];
  lines.push(`Replay of an already-rotated token after each run (refresh-load's reuse check): ${reuse.join(', ')}.`);
  return lines.join('\n');
}

async function main() {
  lib.installCleanup();
  if (opt.pin) lib.assertCanPin();
  fs.mkdirSync(path.join(OUT, 'raw'), { recursive: true });
  lib.log(`results in ${OUT}`);
  const results = {
    settings: { dbs: DBS, algs: ALGS, chains: CHAINS, duration: DURATION, warmup: WARMUP, repeat: REPEAT, pin: opt.pin, peers: opt.peers,
      peer_targets: opt.peers ? PEER_TARGETS : [], scope: SCOPE, refresh_policy: POLICY, load: path.join(lib.PEERS_SRC, 'refresh-load.mjs') },
    machine: lib.machineNotes(),
    grantry: {},
    peers: {},
    sign_limit: null,
  };
  // Install the peers first so a broken install fails before minutes of load.
  const peersDir = opt.peers ? await lib.ensurePeers() : null;

  for (const db of DBS) for (const alg of ALGS) results.grantry[`${db}-${alg}`] = await benchGrantry(db, alg);

  if (opt.peers) {
    const peersOut = path.join(OUT, 'peers');
    fs.mkdirSync(peersOut, { recursive: true });
    results.peers = await lib.runPeers({ dir: peersDir, targets: PEER_TARGETS, pin: opt.pin, duration: DURATION, warmup: Math.max(WARMUP, 1), repeat: REPEAT,
      chains: CHAINS, refresh: true, out: peersOut });
    const signAlgs = [...new Set([...ALGS, ...(Object.keys(results.peers).length ? ['RS256'] : [])])];
    results.sign_limit = await lib.signLimit({ dir: peersDir, algs: signAlgs, cpu: 0, out: OUT });
  }
  results.machine.loadavg_after = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  const table = buildTable(results);
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(OUT, 'table.md'), table + '\n');
  console.log(table);
  lib.log(`wrote ${path.join(OUT, 'results.json')} and table.md`);
  const failed = Object.values(results.grantry).some((x) => x.summary.non2xx || x.summary.errors);
  if (failed) { lib.log('some Grantry rotations did not answer 200: see the table notes and raw/'); process.exitCode = 1; }
}

try {
  await main();
} finally {
  await lib.stopAll();
}
