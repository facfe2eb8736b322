// bench/rotation.mjs — Grantry's refresh_token rotation load, shared by refresh-rotation.mjs, run.mjs and
// profile.mjs: a server on SQLite or on a fresh PostgreSQL schema, a partner app with the `rotate` policy (or
// `reuse`, the partner default: the token stays, each use slides its expiry and records the access token), a
// webhook receiver that collects the refresh tokens from signed INSTALLATION.CREATE deliveries (the only way
// Grantry hands them out), and refresh-load.mjs from the peers folder (CHAINS chains, each presenting its newest
// token). Every round spends its chains' tokens, so each round gets fresh installations.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import * as lib from './lib.mjs';

export const ROTATION_SCOPE = 'payments:read';
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const EVENT = 'INSTALLATION.CREATE';
// Fixed, so a run is reproducible; the data dir and schema are thrown away afterwards anyway.
const MASTER_KEY = Buffer.from('grantry bench master key (fixed)').toString('base64');
const PROVISION_CONCURRENCY = 8;
const WEBHOOK_WAIT_MS = 60_000;

/** Refuses anything but a PostgreSQL on this machine. */
export function checkPgUrl(pgUrl) {
  const u = new URL(pgUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error('the PostgreSQL URL must point to this machine (loopback)');
  return u;
}

// ---------- PostgreSQL: a fresh schema per server, dropped afterwards ----------
export async function pgClient(pgUrl) {
  const c = new pg.Client({ connectionString: checkPgUrl(pgUrl).href, application_name: 'grantry-bench-probe', connectionTimeoutMillis: 5000, statement_timeout: 30_000 });
  await c.connect();
  return c;
}

/** CREATE SCHEMA grantry_bench_rr_…; its drop() is also registered for Ctrl-C and crashes. */
export async function createSchema(pgUrl, stamp, tag) {
  const schema = `grantry_bench_rr_${stamp.toLowerCase()}_${tag.toLowerCase()}_${crypto.randomBytes(3).toString('hex')}`.replace(/[^a-z0-9_]/g, '_');
  const c = await pgClient(pgUrl);
  try { await c.query(`CREATE SCHEMA "${schema}"`); } finally { await c.end(); }
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const d = await pgClient(pgUrl);
    try { await d.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`); } finally { await d.end(); }
    lib.log(`postgres: dropped schema ${schema}`);
  };
  const unregister = lib.addCleanup(drop);
  const u = checkPgUrl(pgUrl);
  u.search = '';
  const url = `${u.href}?options=${encodeURIComponent(`-c search_path=${schema}`)}&application_name=${encodeURIComponent(schema)}`;
  return { schema, url, drop: async () => { unregister(); await drop(); } };
}

/**
 * CPU of the PostgreSQL backends serving this server (found by application_name in pg_stat_activity), for the
 * "db cores" column: utime+stime deltas from /proc. Backends that start during the run are counted whole;
 * backends that exit during it are lost (the pool keeps its connections while busy, so that is rare).
 */
export function pgBackendCpu(probe, appName) {
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
export async function startReceiver() {
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
 * `chains` new merchant organizations, one installation each, then wait (bounded) for every INSTALLATION.CREATE
 * to reach the receiver; writes the refresh tokens (one per line) to `file`. Returns timing and ids.
 */
async function provision({ api, receiver, appId, label, file, chains }) {
  const t0 = Date.now();
  const orgs = await pool(Array.from({ length: chains }, (_, i) => i), PROVISION_CONCURRENCY,
    (i) => api('POST', '/organizations', { type: 'merchant', name: `Bench merchant ${label} ${i + 1}` }));
  const installs = await pool(orgs, PROVISION_CONCURRENCY,
    (org) => api('POST', '/installations', { organization_id: org.id, application_id: appId, scopes: [ROTATION_SCOPE] }));
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
    throw new Error(`${label}: ${left.length} of ${chains} INSTALLATION.CREATE webhooks not received after ${WEBHOOK_WAIT_MS / 1000} s; receiver ${JSON.stringify(receiver.state.stats)}; deliveries: ${detail}`);
  }
  const tokens = ids.map((id) => receiver.state.tokens.get(id).refresh_token);
  fs.writeFileSync(file, tokens.join('\n') + '\n', { mode: 0o600 });
  const t2 = Date.now();
  return { installations: ids.length, api_ms: t1 - t0, webhook_wait_ms: t2 - t1 };
}

/**
 * Start Grantry for rotation on `db` ('sqlite' | 'postgres') with `alg`: receiver, server, CLI bootstrap (admin,
 * scope, partner org, third_party app with --refresh-policy `policy`, webhook subscription), an admin token for the
 * management API. Returns { server, tag, provision(label, file), loadOpts (for lib.refreshLoadRun), cleanup() }.
 */
export const POLICIES = ['rotate', 'reuse'];
/** The results key and log tag of one configuration: `sqlite-RS256`, `postgres-ES256-reuse`. */
export const rotationKey = (db, alg, policy = 'rotate') => `${db}-${alg}${policy === 'rotate' ? '' : `-${policy}`}`;

export async function prepareRotation({ db, alg, chains, policy = 'rotate', cpu = null, loadCpu = null, logFile, pgUrl = DEFAULT_PG_URL, stamp, nodeArgs = [], tag = rotationKey(db, alg, policy) }) {
  if (!POLICIES.includes(policy)) throw new Error(`unknown refresh policy ${policy}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `grantry-bench-rr-${tag}-`));
  let pgSchema = null, probe = null, receiver = null, server = null;
  const cleanup = async () => {
    if (server) await server.stop();
    if (probe) await probe.end().catch(() => {});
    if (receiver) await receiver.close();
    if (pgSchema) await pgSchema.drop().catch((err) => lib.log(`postgres: could not drop ${pgSchema.schema}: ${err.message}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    receiver = await startReceiver();
    const extraEnv = { GRANTRY_MASTER_KEY: MASTER_KEY, GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', GRANTRY_LOG_LEVEL: 'warn' };
    if (db === 'postgres') {
      pgSchema = await createSchema(pgUrl, stamp, alg);
      extraEnv.GRANTRY_DATABASE_URL = pgSchema.url;
      lib.log(`${tag}: postgres schema ${pgSchema.schema}`);
    }
    server = await lib.startGrantry({ dataDir, alg, cpu, logFile, extraEnv, nodeArgs });
    lib.log(`${tag}: grantry pid ${server.pid} at ${server.baseUrl}; receiver at ${receiver.url}`);

    // Bootstrap through the CLI, the way an operator would (same env: same data dir / database).
    const admin = await lib.grantryCli(server.env, ['init']);
    if (!admin.client_id || !admin.client_secret) throw new Error(`init: unexpected answer ${JSON.stringify(admin).slice(0, 300)}`);
    await lib.grantryCli(server.env, ['scopes', 'add', ROTATION_SCOPE, '--description', 'Benchmark scope']);
    const partner = await lib.grantryCli(server.env, ['orgs', 'create', '--type', 'partner', '--name', 'Bench partner']);
    const app = await lib.grantryCli(server.env, ['apps', 'create', '--name', 'Bench partner app', '--type', 'third_party', '--org', partner.id,
      '--scopes', ROTATION_SCOPE, '--refresh-policy', policy]);
    if (!app.client_id || !app.client_secret || app.refresh_policy !== policy) throw new Error(`apps create: unexpected answer ${JSON.stringify(app).slice(0, 400)}`);
    const sub = await lib.grantryCli(server.env, ['webhooks', 'add', app.id, '--url', receiver.url, '--events', EVENT]);
    if (!sub.secret?.startsWith('whsec_')) throw new Error(`webhooks add: unexpected answer ${JSON.stringify(sub).slice(0, 300)}`);
    receiver.state.secret = sub.secret;

    const tok = await lib.postForm(`${server.baseUrl}/oauth/token`, 'grant_type=client_credentials&scope=grantry:admin', { authorization: lib.basicAuth(admin.client_id, admin.client_secret) });
    if (tok.status !== 200 || !tok.json?.access_token) throw new Error(`admin token: ${tok.status} ${tok.text.slice(0, 300)}`);
    const api = adminApi(server.baseUrl, tok.json.access_token);

    if (db === 'postgres') probe = await pgClient(pgUrl);
    const extraCpu = probe ? pgBackendCpu(probe, pgSchema.schema) : undefined;
    return {
      server, tag, dataDir, cleanup, app, receiver, postgres_schema: pgSchema?.schema ?? null,
      provision: (label, file) => provision({ api, receiver, appId: app.id, label, file, chains }),
      loadOpts: {
        url: `${server.baseUrl}/oauth/token`, clientId: app.client_id, clientSecret: app.client_secret, chains,
        cpu: loadCpu, serverPid: server.pid, serverCpu: cpu, extraCpu,
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The JWT header of the access token in refresh-load's first answer; throws when it is not signed with `alg`. */
function checkAlg(r, alg, tag) {
  const m = /"access_token":"([A-Za-z0-9_-]+)\./.exec(r.first_answer ?? '');
  const header = m ? JSON.parse(Buffer.from(m[1], 'base64url').toString()) : null;
  if (header && header.alg !== alg) throw new Error(`${tag}: asked for ${alg} but the access token is signed ${header.alg}`);
  return header;
}

/**
 * One Grantry server on `db` with `alg`: a warm-up (its own installations; skipped when warmup is 0), then `repeat`
 * measured refresh-load runs of `duration` s, each on fresh installations. Returns the runs, their summary, the
 * warm-up, provisioning times and the receiver's counters.
 */
export async function benchRotation({ db, alg, chains, policy = 'rotate', duration, warmup, repeat, serverCpu = null, loadCpu = null, pgUrl = DEFAULT_PG_URL, out, stamp }) {
  const tag = rotationKey(db, alg, policy);
  const p = await prepareRotation({ db, alg, chains, policy, cpu: serverCpu, loadCpu, logFile: path.join(out, `grantry-${tag}.log`), pgUrl, stamp, tag });
  const { server } = p;
  try {
    const alive = (when) => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`${tag}: server pid ${server.pid} exited (${server.child.exitCode ?? server.child.signalCode}) ${when}`);
    };
    const provisioning = [];
    let warm = null, jwtHeader = null;
    if (warmup > 0) {
      const file = path.join(p.dataDir, 'tokens-warmup.txt');
      const pr = await p.provision(`${tag} warm-up`, file);
      provisioning.push({ round: 'warmup', ...pr });
      lib.log(`${tag}: warm-up ${warmup}s on ${chains} fresh installations (provisioned in ${pr.api_ms} ms + ${pr.webhook_wait_ms} ms webhook wait)`);
      warm = await lib.refreshLoadRun({ ...p.loadOpts, duration: warmup, tokensFile: file, jsonFile: path.join(out, 'raw', `grantry-${tag}.warmup.json`), serverPid: undefined, serverCpu: null, extraCpu: undefined });
      alive('during the warm-up');
      jwtHeader = checkAlg(warm, alg, tag);
      lib.log(`  warm-up: ${lib.fmt0(warm.rps)} rot/s, non-200 ${warm.non2xx}, net errors ${warm.errors}`);
    }
    const runs = [];
    for (let i = 1; i <= repeat; i++) {
      const file = path.join(p.dataDir, `tokens-${i}.txt`);
      const pr = await p.provision(`${tag} run ${i}`, file);
      provisioning.push({ round: i, ...pr });
      const r = await lib.refreshLoadRun({ ...p.loadOpts, duration, tokensFile: file, jsonFile: path.join(out, 'raw', `grantry-${tag}.${i}.json`) });
      alive(`during run ${i}`);
      jwtHeader ??= checkAlg(r, alg, tag);
      const others = r.others_on_server_cpu === null ? '' : `, others on server CPU ${(100 * r.others_on_server_cpu).toFixed(0)}%`;
      const dbc = Number.isFinite(r.extra_cores) ? `, db cores ${lib.fmt2(r.extra_cores)}` : '';
      lib.log(`  run ${i}: ${lib.fmt0(r.rps)} rot/s, p50 ${lib.fmtMs(r.p50)} p99 ${lib.fmtMs(r.p99)} ms, non-200 ${r.non2xx}${r.non2xx ? ` ${JSON.stringify(r.error_codes)}` : ''}, net errors ${r.errors}, dead chains ${r.dead_chains}, server cores ${lib.fmt2(r.server_cores)}${dbc}${others}`);
      runs.push(r);
    }
    return {
      db, alg, policy, runs, summary: lib.summarize(runs), warmup: warm, provisioning, webhook_receiver: p.receiver.state.stats,
      jwt_header: jwtHeader, client_id: p.app.client_id, postgres_schema: p.postgres_schema,
    };
  } finally {
    await p.cleanup();
  }
}
