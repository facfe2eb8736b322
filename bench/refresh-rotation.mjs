#!/usr/bin/env node
// bench/refresh-rotation.mjs — throughput of Grantry's refresh_token grant under the `rotate` policy: CHAINS
// concurrent chains, each presenting its newest refresh token to POST /oauth/token (find + spend the old token,
// store its successor, sign a new access token), on SQLite and/or PostgreSQL, measured next to its anchors in
// the same run: the per-core JWT signing limit and the rotation figures of the peers in /work/shared/peers
// (@node-oauth/oauth2-server and oidc-provider, both in-memory). Compare ratios within one run, never absolute
// numbers across runs (the machine is noisy).
//
// The refresh tokens are obtained the only way Grantry hands them out: installations of a `third_party`
// application, whose INSTALLATION.CREATE webhooks are received (and verified) by a small receiver on 127.0.0.1.
// Every measured run spends its chains' tokens, so each run (and the warm-up) gets fresh installations.
//
//   node bench/refresh-rotation.mjs [--db sqlite|postgres|sqlite,postgres] [--alg RS256|ES256|RS256,ES256]
//        [--chains 50] [--duration 10] [--warmup 3] [--repeat 3] [--pin] [--peers] [--out DIR]
//
// See bench/README.md for what each step does and how to read the table.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import * as lib from './lib.mjs';

const USAGE = `usage: node bench/refresh-rotation.mjs [--db sqlite|postgres|sqlite,postgres] [--alg RS256|ES256|EdDSA|RS256,ES256]
       [--chains 50] [--duration 10] [--warmup 3] [--repeat 3] [--pin] [--peers]
       [--peer-targets "oidc-provider node-oauth2-server"] [--pg-url postgres://postgres@127.0.0.1:5432/test] [--out DIR]`;
const { values: opt } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    alg: { type: 'string', default: 'RS256' },
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
const DBS = [...new Set(opt.db.split(',').map((d) => d.trim().toLowerCase()))];
if (!DBS.every((d) => d === 'sqlite' || d === 'postgres')) die('--db: sqlite, postgres or sqlite,postgres');
const PG_URL = new URL(opt['pg-url']);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(PG_URL.hostname)) die('--pg-url must point to this machine (loopback)');
const PEER_TARGETS = opt['peer-targets'].split(/[\s,]+/).filter(Boolean);

const SCOPE = 'payments:read';
const EVENT = 'INSTALLATION.CREATE';
// Fixed, so a run is reproducible; the data dir and schema are thrown away afterwards anyway.
const MASTER_KEY = Buffer.from('grantry bench master key (fixed)').toString('base64');
// With --pin: Grantry (and the signing-limit probe) on CPU 0, the load generator on CPU 1. PostgreSQL is not ours
// to pin: its backends run wherever the kernel puts them (they show up in "others on CPU 0" and "db cores").
const SERVER_CPU = opt.pin ? 0 : null;
const LOAD_CPU = opt.pin ? 1 : null;
const PROVISION_CONCURRENCY = 8;
const WEBHOOK_WAIT_MS = 60_000;

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const OUT = path.resolve(opt.out ?? path.join(lib.BENCH_DIR, 'results', stamp));

// ---------- PostgreSQL: a fresh schema per server, dropped afterwards ----------
async function pgClient() {
  const c = new pg.Client({ connectionString: PG_URL.href, application_name: 'grantry-bench-probe', connectionTimeoutMillis: 5000, statement_timeout: 30_000 });
  await c.connect();
  return c;
}

async function createSchema(tag) {
  const schema = `grantry_bench_rr_${stamp.toLowerCase()}_${tag.toLowerCase()}_${crypto.randomBytes(3).toString('hex')}`;
  const c = await pgClient();
  try { await c.query(`CREATE SCHEMA "${schema}"`); } finally { await c.end(); }
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const d = await pgClient();
    try { await d.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`); } finally { await d.end(); }
    lib.log(`postgres: dropped schema ${schema}`);
  };
  const unregister = lib.addCleanup(drop);
  const u = new URL(PG_URL.href);
  u.search = '';
  const url = `${u.href}?options=${encodeURIComponent(`-c search_path=${schema}`)}&application_name=${encodeURIComponent(schema)}`;
  return { schema, url, drop: async () => { unregister(); await drop(); } };
}

/**
 * CPU of the PostgreSQL backends serving this server (found by application_name in pg_stat_activity), for the
 * "db cores" column: utime+stime deltas from /proc. Backends that start during the run are counted whole;
 * backends that exit during it are lost (the pool keeps its connections while busy, so that is rare).
 */
function pgBackendCpu(probe, appName) {
  const snapshot = async () => {
    const { rows } = await probe.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName]);
    return new Map(rows.map((r) => [r.pid, lib.cpuTicks(r.pid)]).filter(([, t]) => Number.isFinite(t)));
  };
  return {
    before: snapshot,
    after: async (before) => {
      const now = await snapshot();
      let ticks = 0;
      for (const [pid, t] of now) ticks += t - (before.get(pid) ?? 0);
      return ticks / lib.CLK_TCK;
    },
  };
}

// ---------- the webhook receiver: collects refresh tokens from INSTALLATION.CREATE ----------
async function startReceiver() {
  const state = { secret: null, tokens: new Map(), seen: new Set(), stats: { received: 0, verified: 0, bad_signature: 0, duplicates: 0, other_events: 0 } };
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/hook') { res.writeHead(404).end(); return; }
    const chunks = [];
    let size = 0;
    req.on('data', (c) => { size += c.length; if (size <= 1 << 20) chunks.push(c); });
    req.on('end', () => {
      state.stats.received++;
      const body = Buffer.concat(chunks).toString('utf8');
      let msg;
      try {
        msg = new Webhook(state.secret).verify(body, req.headers); // signature + timestamp (standardwebhooks)
      } catch {
        state.stats.bad_signature++;
        res.writeHead(401).end();
        return;
      }
      state.stats.verified++;
      const id = req.headers['webhook-id'];
      if (state.seen.has(id)) { state.stats.duplicates++; res.writeHead(204).end(); return; }
      state.seen.add(id);
      if (msg.type === EVENT && msg.data?.refresh_token) {
        const prev = state.tokens.get(msg.data.installation_id);
        if (!prev || prev.credentials_version < msg.data.credentials_version) {
          state.tokens.set(msg.data.installation_id, { refresh_token: msg.data.refresh_token, credentials_version: msg.data.credentials_version });
        }
      } else state.stats.other_events++;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  return {
    url,
    state,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); setTimeout(r, 2000); }),
  };
}

// ---------- management API (loopback, bearer admin token) ----------
function adminApi(baseUrl, token) {
  return async (method, p, body) => {
    const url = `${baseUrl}/api/v1${p}`;
    lib.assertLoopback(url);
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Run fn over items with at most `n` in flight. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); }
  }));
  return out;
}

/**
 * CHAINS new merchant organizations, one installation each, then wait (bounded) for every INSTALLATION.CREATE to
 * reach the receiver; writes the refresh tokens (one per line) to `file`. Returns timing and ids.
 */
async function provision({ api, receiver, appId, label, file }) {
  const t0 = Date.now();
  const orgs = await pool(Array.from({ length: CHAINS }, (_, i) => i), PROVISION_CONCURRENCY,
    (i) => api('POST', '/organizations', { type: 'merchant', name: `Bench merchant ${label} ${i + 1}` }));
  const installs = await pool(orgs, PROVISION_CONCURRENCY,
    (org) => api('POST', '/installations', { organization_id: org.id, application_id: appId, scopes: [SCOPE] }));
  const t1 = Date.now();
  const ids = installs.map((x) => x.id);
  const end = Date.now() + WEBHOOK_WAIT_MS;
  const missing = () => ids.filter((id) => !receiver.state.tokens.has(id));
  while (missing().length && Date.now() < end) await lib.sleep(50);
  const left = missing();
  if (left.length) {
    let detail = '';
    try {
      const page = await api('GET', `/webhook-deliveries?application_id=${encodeURIComponent(appId)}&limit=100`);
      const mine = page.items.filter((d) => left.includes(d.installation_id)).slice(0, 5);
      detail = JSON.stringify(mine, null, 1).slice(0, 3000);
    } catch (err) { detail = `(could not list deliveries: ${err.message})`; }
    throw new Error(`${label}: ${left.length} of ${CHAINS} INSTALLATION.CREATE webhooks not received after ${WEBHOOK_WAIT_MS / 1000} s; receiver ${JSON.stringify(receiver.state.stats)}; deliveries: ${detail}`);
  }
  const tokens = ids.map((id) => receiver.state.tokens.get(id).refresh_token);
  fs.writeFileSync(file, tokens.join('\n') + '\n', { mode: 0o600 });
  const t2 = Date.now();
  return { installations: ids.length, api_ms: t1 - t0, webhook_wait_ms: t2 - t1 };
}

async function benchGrantry(db, alg) {
  const tag = `${db}-${alg}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `grantry-bench-rr-${tag}-`));
  let pgSchema = null, probe = null, receiver = null, server = null;
  try {
    receiver = await startReceiver();
    const extraEnv = { GRANTRY_MASTER_KEY: MASTER_KEY, GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', GRANTRY_LOG_LEVEL: 'warn' };
    if (db === 'postgres') {
      pgSchema = await createSchema(alg);
      extraEnv.GRANTRY_DATABASE_URL = pgSchema.url;
      lib.log(`${tag}: postgres schema ${pgSchema.schema}`);
    }
    server = await lib.startGrantry({ dataDir, alg, cpu: SERVER_CPU, logFile: path.join(OUT, `grantry-${tag}.log`), extraEnv });
    lib.log(`${tag}: grantry pid ${server.pid} at ${server.baseUrl}; receiver at ${receiver.url}`);

    // Bootstrap through the CLI, the way an operator would (same env: same data dir / database).
    const admin = await lib.grantryCli(server.env, ['init']);
    if (!admin.client_id || !admin.client_secret) throw new Error(`init: unexpected answer ${JSON.stringify(admin).slice(0, 300)}`);
    await lib.grantryCli(server.env, ['scopes', 'add', SCOPE, '--description', 'Benchmark scope']);
    const partner = await lib.grantryCli(server.env, ['orgs', 'create', '--type', 'partner', '--name', 'Bench partner']);
    const app = await lib.grantryCli(server.env, ['apps', 'create', '--name', 'Bench partner app', '--type', 'third_party', '--org', partner.id,
      '--scopes', SCOPE, '--refresh-policy', 'rotate']);
    if (!app.client_id || !app.client_secret || app.refresh_policy !== 'rotate') throw new Error(`apps create: unexpected answer ${JSON.stringify(app).slice(0, 400)}`);
    const sub = await lib.grantryCli(server.env, ['webhooks', 'add', app.id, '--url', receiver.url, '--events', EVENT]);
    if (!sub.secret?.startsWith('whsec_')) throw new Error(`webhooks add: unexpected answer ${JSON.stringify(sub).slice(0, 300)}`);
    receiver.state.secret = sub.secret;

    const tok = await lib.postForm(`${server.baseUrl}/oauth/token`, 'grant_type=client_credentials&scope=grantry:admin', { authorization: lib.basicAuth(admin.client_id, admin.client_secret) });
    if (tok.status !== 200 || !tok.json?.access_token) throw new Error(`admin token: ${tok.status} ${tok.text.slice(0, 300)}`);
    const api = adminApi(server.baseUrl, tok.json.access_token);

    if (db === 'postgres') probe = await pgClient();
    const extraCpu = probe ? pgBackendCpu(probe, pgSchema.schema) : undefined;
    const loadOpts = {
      url: `${server.baseUrl}/oauth/token`, clientId: app.client_id, clientSecret: app.client_secret, chains: CHAINS,
      cpu: LOAD_CPU, serverPid: server.pid, serverCpu: SERVER_CPU, extraCpu,
    };
    const alive = (when) => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`${tag}: server pid ${server.pid} exited (${server.child.exitCode ?? server.child.signalCode}) ${when}`);
    };
    const checkAlg = (r) => {
      const m = /"access_token":"([A-Za-z0-9_-]+)\./.exec(r.first_answer ?? '');
      const header = m ? JSON.parse(Buffer.from(m[1], 'base64url').toString()) : null;
      if (header && header.alg !== alg) throw new Error(`${tag}: asked for ${alg} but the access token is signed ${header.alg}`);
      return header;
    };

    const provisioning = [];
    let warmup = null, jwtHeader = null;
    if (WARMUP > 0) {
      const file = path.join(dataDir, 'tokens-warmup.txt');
      const p = await provision({ api, receiver, appId: app.id, label: `${tag} warm-up`, file });
      provisioning.push({ round: 'warmup', ...p });
      lib.log(`${tag}: warm-up ${WARMUP}s on ${CHAINS} fresh installations (provisioned in ${p.api_ms} ms + ${p.webhook_wait_ms} ms webhook wait)`);
      warmup = await lib.refreshLoadRun({ ...loadOpts, duration: WARMUP, tokensFile: file, jsonFile: path.join(OUT, 'raw', `grantry-${tag}.warmup.json`), serverPid: undefined, serverCpu: null, extraCpu: undefined });
      alive('during the warm-up');
      jwtHeader = checkAlg(warmup);
      lib.log(`  warm-up: ${lib.fmt0(warmup.rps)} rot/s, non-200 ${warmup.non2xx}, net errors ${warmup.errors}`);
    }
    const runs = [];
    for (let i = 1; i <= REPEAT; i++) {
      const file = path.join(dataDir, `tokens-${i}.txt`);
      const p = await provision({ api, receiver, appId: app.id, label: `${tag} run ${i}`, file });
      provisioning.push({ round: i, ...p });
      const r = await lib.refreshLoadRun({ ...loadOpts, duration: DURATION, tokensFile: file, jsonFile: path.join(OUT, 'raw', `grantry-${tag}.${i}.json`) });
      alive(`during run ${i}`);
      jwtHeader ??= checkAlg(r);
      const others = r.others_on_server_cpu === null ? '' : `, others on server CPU ${(100 * r.others_on_server_cpu).toFixed(0)}%`;
      const dbc = Number.isFinite(r.extra_cores) ? `, db cores ${lib.fmt2(r.extra_cores)}` : '';
      lib.log(`  run ${i}: ${lib.fmt0(r.rps)} rot/s, p50 ${lib.fmtMs(r.p50)} p99 ${lib.fmtMs(r.p99)} ms, non-200 ${r.non2xx}${r.non2xx ? ` ${JSON.stringify(r.error_codes)}` : ''}, net errors ${r.errors}, dead chains ${r.dead_chains}, server cores ${lib.fmt2(r.server_cores)}${dbc}${others}`);
      runs.push(r);
    }
    await server.stop();
    return {
      db, alg, runs, summary: lib.summarize(runs), warmup, provisioning, webhook_receiver: receiver.state.stats,
      jwt_header: jwtHeader, client_id: app.client_id, postgres_schema: pgSchema?.schema ?? null,
    };
  } finally {
    if (server) await server.stop();
    if (probe) await probe.end().catch(() => {});
    if (receiver) await receiver.close();
    if (pgSchema) await pgSchema.drop().catch((err) => lib.log(`postgres: could not drop ${pgSchema.schema}: ${err.message}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

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
    `POST /oauth/token \`grant_type=refresh_token\`, client_secret_basic, refresh policy \`rotate\`; refresh-load.mjs with ${s.chains} chains (each presents its newest token), ` +
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

  // Targets (reported, not asserted)
  const g = (db, alg) => results.grantry[`${db}-${alg}`]?.summary;
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

  // Anything but 200 is a finding: say exactly what came back.
  const bad = [];
  for (const [k, x] of Object.entries(results.grantry)) {
    for (const [i, r] of [...(x.warmup ? [['warm-up', x.warmup]] : []), ...x.runs.map((r, j) => [`run ${j + 1}`, r])]) {
      if (r.non2xx || r.errors || r.not_rotated) bad.push(`- grantry ${k} ${i}: statuses ${JSON.stringify(r.statuses)}, errors ${JSON.stringify(r.error_codes)}, net errors ${r.errors}, dead chains ${r.dead_chains}, not rotated ${r.not_rotated}`);
    }
  }
  lines.push('', bad.length ? 'Non-200 answers / errors:' : 'Every Grantry rotation answered 200 with a new refresh token (no net errors, no dead chains).', ...bad);
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
      peer_targets: opt.peers ? PEER_TARGETS : [], scope: SCOPE, refresh_policy: 'rotate', load: path.join(lib.PEERS_SRC, 'refresh-load.mjs') },
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
