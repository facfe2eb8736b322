#!/usr/bin/env node
// bench/webhook-delivery.mjs — `npm run bench:webhooks`: Grantry's webhook delivery path, outbox → a local receiver
// that answers 204, through the real product: `grantry serve` processes from dist/, the management API, the worker
// every server process runs (src/webhooks/worker.ts).
//
//   node bench/webhook-delivery.mjs [--db sqlite,postgres] [--processes 1,2] [--deliveries 2000] [--runs 3]
//        [--rate 20] [--steady 10] [--shots 10] [--alg ES256] [--no-pin] [--pg-url URL] [--quick] [--json] [--out DIR]
//
// Configurations: every --db × --processes (SQLite with one process only: several processes on one database is the
// PostgreSQL deployment, where workers claim with FOR UPDATE SKIP LOCKED). All their servers stay up for the whole
// run, and the rounds interleave: anchor, config 1, config 2, …, anchor, config 1, …, anchor, so slow drift hits
// every figure alike and each round sits between two anchors.
// Per configuration and round, on fresh installations:
//   drain   the subscription is disabled (PATCH enabled:false), --deliveries installations are created over the
//           management API (their INSTALLATION.CREATE deliveries are written `held`), then it is re-enabled (PATCH
//           enabled:true: every held delivery becomes due now) and the workers drain the outbox. Deliveries/s =
//           (N − 1) ÷ (last receipt − first receipt) at the receiver; the per-process share comes from each process's
//           own /metrics (grantry_webhook_attempts_total{outcome="succeeded"}, before and after).
//   steady  --rate installation creations per second (open loop) for --steady seconds, the subscription enabled:
//           per installation, the time from the management API's 201 (and from the event's `timestamp`, when the
//           installation was written) to the verified delivery at the receiver; p50 / p99.
//   single  --shots lone installations on an idle server, each after the previous one arrived plus a random pause:
//           the same two latencies, p50 / max.
// Anchors, measured in the same run: the receiver's own capacity (bench/webhook-anchor.mjs: a bare node:http sender
// on Grantry's CPU posting the same signed body to the same receiver, as many in flight as the worker's batch, one
// new connection per message as the worker; and the same with keep-alive connections), and the worker's poll
// interval, the floor of the latency of a delivery that finds the worker idle.
//
// Pinning (default): every Grantry process on CPU 0 (taskset), the receiver on CPU 1, the anchor sender on CPU 0
// (Grantry idle meanwhile); PostgreSQL is not pinned. --no-pin: nothing is pinned.
// Results: bench/results/<UTC>-webhooks/ (results.json, table.md, grantry-*.log). See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as lib from './lib.mjs';
import { createSchema, pgClient, pgBackendCpu, checkPgUrl, DEFAULT_PG_URL } from './rotation.mjs';

const SCOPE = 'payments:read';
const EVENT = 'INSTALLATION.CREATE';
const MASTER_KEY = Buffer.from('grantry bench master key (fixed)').toString('base64');
const API_CONCURRENCY = 8;
const DRAIN_TIMEOUT_MS = 180_000;
const WAIT_TIMEOUT_MS = 60_000;
const RECEIVER = fileURLToPath(new URL('./webhook-receiver.mjs', import.meta.url));
const ANCHOR = fileURLToPath(new URL('./webhook-anchor.mjs', import.meta.url));
const WORKER_JS = path.join(lib.REPO_ROOT, 'dist/webhooks/worker.js');

/** The worker's batch size and poll interval, read from the built worker (its defaults), so the anchors follow the code. */
export function workerSettings(file = WORKER_JS) {
  const src = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const num = (re, fallback) => { const m = re.exec(src); return m ? Number(m[1]) : fallback; };
  return {
    batch_size: num(/batchSize:\s*(\d+)/, 10),
    poll_interval_ms: num(/pollIntervalMs:\s*(\d+)/, 500),
    from: fs.existsSync(file) ? path.relative(lib.REPO_ROOT, file) : 'defaults (dist/webhooks/worker.js not found)',
  };
}

// ---------- small helpers ----------
const quantile = (values, q) => {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]; // nearest rank
};
const spread = (xs) => {
  const f = xs.filter(Number.isFinite);
  return { median: lib.median(f), min: f.length ? Math.min(...f) : NaN, max: f.length ? Math.max(...f) : NaN, n: f.length };
};
const fmtSpread = (s, f = lib.fmt0) => (s.n > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median));
const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
const nowMs = () => performance.timeOrigin + performance.now();

async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); }
  }));
  return out;
}

function adminApi(baseUrl, token) {
  return async (method, p, body) => {
    const url = `${baseUrl}/api/v1${p}`;
    lib.assertLoopback(url);
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : null;
  };
}

/** grantry_webhook_attempts_total of one process, by outcome. */
async function attemptCounts(baseUrl) {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  const out = { succeeded: 0, failed: 0 };
  for (const m of text.matchAll(/^grantry_webhook_attempts_total\{([^}]*)\}\s+([0-9.e+]+)$/gm)) {
    const outcome = /outcome="([^"]+)"/.exec(m[1])?.[1];
    if (outcome) out[outcome] = (out[outcome] ?? 0) + Number(m[2]);
  }
  return out;
}

// ---------- the receiver (a child process) ----------
export async function startReceiverProcess({ cpu = null, logFile }) {
  const [cmd, ...pre] = [...lib.pinPrefix(cpu), process.execPath];
  const err = fs.openSync(logFile, 'a');
  const child = lib.spawnTracked(cmd, [...pre, RECEIVER], { cwd: lib.REPO_ROOT, stdio: ['ignore', 'pipe', err, 'ipc'] });
  fs.closeSync(err);
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('the webhook receiver did not start within 10 s')), 10_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n')[0];
      if (buf.includes('\n')) { clearTimeout(timer); try { resolve(JSON.parse(line).port); } catch (e) { reject(e); } }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the webhook receiver exited (${code})`)); });
  });
  let seq = 0;
  const pending = new Map();
  child.on('message', (m) => { const p = pending.get(m.id); if (p) { pending.delete(m.id); p(m); } });
  const call = (msg) => new Promise((resolve, reject) => {
    const id = ++seq;
    const timer = setTimeout(() => { pending.delete(id); reject(new Error(`receiver: no answer to ${msg.cmd}`)); }, 30_000);
    pending.set(id, (m) => { clearTimeout(timer); if (m.error) reject(new Error(`receiver: ${m.error}`)); else resolve(m); });
    child.send({ ...msg, id });
  });
  return {
    child, pid: child.pid, port,
    url: (name) => `http://127.0.0.1:${port}/hook/${name}`,
    setSecret: (name, secret) => call({ cmd: 'secret', name, secret }),
    reset: () => call({ cmd: 'reset' }),
    count: async (name) => (await call({ cmd: 'count', name })).count,
    snapshot: (name, records = false) => call({ cmd: 'snapshot', name, records }),
    sample: async (name) => (await call({ cmd: 'sample', name })).body,
    stop: () => lib.stopChild(child, 2000),
  };
}

/** Wait (bounded) until the receiver has `n` verified deliveries on `name`; returns the wait in ms. */
async function waitCount(receiver, name, n, timeoutMs, what, servers) {
  const t0 = Date.now();
  let got = 0;
  while (Date.now() - t0 < timeoutMs) {
    got = await receiver.count(name);
    if (got >= n) return Date.now() - t0;
    for (const s of servers) {
      if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`${what}: grantry pid ${s.pid} exited`);
    }
    await lib.sleep(20);
  }
  throw new Error(`${what}: ${got} of ${n} deliveries received after ${timeoutMs / 1000} s`);
}

// ---------- one configuration: db × processes ----------
/**
 * Grantry's migration check (Kysely's migrator introspects the tables of every schema) fails with `schema "…" does
 * not exist` when another client drops a schema of the same database at that moment (other test suites on a shared
 * PostgreSQL do). Nothing has happened yet when it fails that way, so the command (or start) is simply tried again.
 */
async function retryMigrationRace(what, fn) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= 4 || !/migration \S+ failed: .*does not exist/.test(err.message)) throw err;
      lib.log(`${what}: migration check raced with a schema dropped by someone else; trying again (${i})`);
      await lib.sleep(500 * i);
    }
  }
}
const cli = (env, args) => retryMigrationRace(`grantry ${args.slice(0, 2).join(' ')}`, () => lib.grantryCli(env, args));
async function prepareConfig({ db, processes, alg, cpu, receiver, pgUrl, stamp, out }) {
  const tag = `${db}-${processes}p`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `grantry-bench-wh-${tag}-`));
  const servers = [];
  let schema = null, probe = null, boot = null;
  const cleanup = async () => {
    for (const s of servers) await s.stop();
    if (probe) await probe.end().catch(() => {});
    if (schema) await schema.drop().catch((err) => lib.log(`postgres: could not drop ${schema.schema}: ${err.message}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // NODE_ENV unset (undefined drops it from the child's environment), as an operator runs it.
    // One issuer for every process (as behind a load balancer): a token of one is accepted by the others.
    const extraEnv = { GRANTRY_MASTER_KEY: MASTER_KEY, GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', GRANTRY_LOG_LEVEL: 'warn', GRANTRY_ISSUER: 'http://127.0.0.1', NODE_ENV: undefined };
    if (db === 'postgres') {
      schema = await createSchema(pgUrl, stamp, `wh${processes}`);
      extraEnv.GRANTRY_DATABASE_URL = schema.url;
    }
    for (let i = 0; i < processes; i++) {
      servers.push(await retryMigrationRace(`${tag} serve`, () => lib.startGrantry({ dataDir, alg, cpu, logFile: path.join(out, `grantry-${tag}-${i + 1}.log`), extraEnv })));
      if (i === 0) {
        // The CLI bootstrap, once, against the same database (before a second process starts: migrations are done).
        const env = servers[0].env;
        const admin = await cli(env, ['init']);
        if (!admin.client_id || !admin.client_secret) throw new Error(`init: unexpected answer ${JSON.stringify(admin).slice(0, 300)}`);
        await cli(env, ['scopes', 'add', SCOPE, '--description', 'Benchmark scope']);
        const partner = await cli(env, ['orgs', 'create', '--type', 'partner', '--name', 'Bench partner']);
        const app = await cli(env, ['apps', 'create', '--name', 'Bench webhook app', '--type', 'third_party', '--org', partner.id, '--scopes', SCOPE]);
        if (!app.id) throw new Error(`apps create: unexpected answer ${JSON.stringify(app).slice(0, 300)}`);
        const sub = await cli(env, ['webhooks', 'add', app.id, '--url', receiver.url(tag), '--events', EVENT]);
        if (!sub.secret?.startsWith('whsec_') || !sub.id) throw new Error(`webhooks add: unexpected answer ${JSON.stringify(sub).slice(0, 300)}`);
        await receiver.setSecret(tag, sub.secret);
        boot = { admin, app, sub };
      }
    }
    const tok = await lib.postForm(`${servers[0].baseUrl}/oauth/token`, 'grant_type=client_credentials&scope=grantry:admin', { authorization: lib.basicAuth(boot.admin.client_id, boot.admin.client_secret) });
    if (tok.status !== 200 || !tok.json?.access_token) throw new Error(`admin token: ${tok.status} ${tok.text.slice(0, 300)}`);
    // The management API of every process (a second process serves the same database).
    const apis = servers.map((s) => adminApi(s.baseUrl, tok.json.access_token));
    if (db === 'postgres') probe = await pgClient(pgUrl);
    lib.log(`${tag}: grantry pid(s) ${servers.map((s) => s.pid).join(', ')}${schema ? `, schema ${schema.schema}` : ''}; receiver path /hook/${tag}`);
    return {
      tag, db, processes, servers, apis, appId: boot.app.id, subId: boot.sub.id, cleanup, schema: schema?.schema ?? null,
      dbCpu: probe ? pgBackendCpu(probe, schema.schema) : null, probe,
      orgSeq: 0,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** `n` new merchant organizations (untimed provisioning), round-robin over the processes' APIs. */
async function newOrgs(c, n, label) {
  return pool(Array.from({ length: n }, (_, i) => i), API_CONCURRENCY, async (i) =>
    (await c.apis[i % c.apis.length]('POST', '/organizations', { type: 'merchant', name: `Bench ${c.tag} ${label} ${++c.orgSeq}` })).id);
}

const install = (c, orgId, i) => c.apis[i % c.apis.length]('POST', '/installations', { organization_id: orgId, application_id: c.appId, scopes: [SCOPE] });
const setEnabled = (c, enabled) => c.apis[0]('PATCH', `/applications/${c.appId}/webhooks/${c.subId}`, { enabled });

/**
 * The drain: N held deliveries released at once. Grantry's CPU (every process), the receiver's, and PostgreSQL's
 * backends are read from /proc from the release to the last receipt.
 */
async function drain(c, receiver, n, label, { pgWaits = false, cpu = null } = {}) {
  const orgs = await newOrgs(c, n, label);
  const disabled = await setEnabled(c, false);
  if (disabled.enabled !== false) throw new Error(`${c.tag}: PATCH enabled:false did not disable: ${JSON.stringify(disabled).slice(0, 300)}`);
  await pool(orgs, API_CONCURRENCY, (org, i) => install(c, org, i));
  await receiver.reset();
  const before = await Promise.all(c.servers.map((s) => attemptCounts(s.baseUrl)));
  const ticks0 = c.servers.map((s) => lib.cpuTicks(s.pid));
  const core0 = cpu !== null ? lib.cpuCoreTicks(cpu) : null;
  const rticks0 = lib.cpuTicks(receiver.pid);
  const db0 = c.dbCpu ? await c.dbCpu.before() : null;
  const stopSampler = pgWaits && c.probe ? pgWaitSampler(c.probe, c.schema) : null;
  const tEnable = nowMs();
  const enabled = await setEnabled(c, true);
  const tEnabled = nowMs();
  if (enabled.released_deliveries !== n) lib.log(`${c.tag}: warning: re-enabling released ${enabled.released_deliveries} deliveries, expected ${n}`);
  await waitCount(receiver, c.tag, n, DRAIN_TIMEOUT_MS, `${c.tag} ${label}`, c.servers);
  const waits = stopSampler ? await stopSampler() : undefined;
  const snap = await receiver.snapshot(c.tag);
  const ticks1 = c.servers.map((s) => lib.cpuTicks(s.pid));
  const core1 = cpu !== null ? lib.cpuCoreTicks(cpu) : null;
  const rticks1 = lib.cpuTicks(receiver.pid);
  const dbS = c.dbCpu ? await c.dbCpu.after(db0) : null;
  const after = await Promise.all(c.servers.map((s) => attemptCounts(s.baseUrl)));
  const wall = (snap.last - tEnable) / 1000;
  const perProcess = after.map((a, i) => a.succeeded - before[i].succeeded);
  const failed = after.reduce((sum, a, i) => sum + (a.failed - before[i].failed), 0);
  const grantryCpu = ticks1.reduce((s, t, i) => s + (t - ticks0[i]), 0) / lib.CLK_TCK;
  return {
    deliveries: n,
    released: enabled.released_deliveries,
    rate: (n - 1) / ((snap.last - snap.first) / 1000),
    rate_from_release: n / wall,
    start_lag_ms: snap.first - tEnable,
    patch_ms: tEnabled - tEnable,
    drain_s: wall,
    per_process: perProcess,
    share: perProcess.map((x) => x / Math.max(1, perProcess.reduce((a, b) => a + b, 0))),
    failed_attempts: failed,
    duplicates: snap.duplicates,
    bad_signature: snap.bad_signature,
    grantry_cpu_s: grantryCpu,
    grantry_cores: grantryCpu / wall,
    per_process_cores: ticks1.map((t, i) => (t - ticks0[i]) / lib.CLK_TCK / wall),
    deliveries_per_grantry_cpu_s: n / grantryCpu,
    receiver_cores: (rticks1 - rticks0) / lib.CLK_TCK / wall,
    // the share of Grantry's CPU that anything but Grantry used meanwhile (other processes, PostgreSQL backends
    // scheduled there): high means the drain did not have its core to itself
    others_on_grantry_cpu: core0 ? Math.max(0, (core1.busy - core0.busy - ticks1.reduce((s, t, i) => s + (t - ticks0[i]), 0)) / (core1.total - core0.total)) : null,
    db_cores: dbS === null ? null : dbS / wall,
    pg_waits: waits,
  };
}

/**
 * `--pg-waits`: what this configuration's PostgreSQL backends are doing while the outbox drains, sampled from
 * pg_stat_activity every 5 ms by the probe connection (not counted in "db cores", but it shares the CPUs; off by default). Each
 * sample counts every backend that is not idle: its state, wait event and (when active) the statement's start.
 */
function pgWaitSampler(probe, appName) {
  const tally = new Map();
  let samples = 0, stop = false;
  const loop = (async () => {
    while (!stop) {
      const { rows } = await probe.query(
        `select state, coalesce(wait_event_type || ':' || wait_event, 'CPU') as w, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) as q
           from pg_stat_activity where application_name = $1 and state <> 'idle'`, [appName]);
      samples++;
      for (const r of rows) {
        const k = `${r.state} | ${r.w}${r.state === 'active' ? ` | ${r.q}` : ''}`;
        tally.set(k, (tally.get(k) ?? 0) + 1);
      }
      await lib.sleep(5);
    }
  })();
  return async () => {
    stop = true;
    await loop;
    // average number of backends in each state (busy backends per sample)
    return { samples, top: [...tally].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => ({ what: k, backends: Math.round((v / samples) * 100) / 100 })) };
  };
}

/** Latencies (ms) of installations `created` (id → 201 time) from the receiver's records. */
function latencies(records, created) {
  const from201 = [], fromEvent = [];
  for (const [inst, eventTs, at] of records) {
    const t = created.get(inst);
    if (t === undefined) continue;
    from201.push(at - t);
    fromEvent.push(at - eventTs);
  }
  return { from201, fromEvent };
}

/** Open-loop creations at `rate`/s for `seconds`; latency from the 201 (and from the event's timestamp) to receipt. */
async function steady(c, receiver, rate, seconds, label) {
  const n = Math.max(1, Math.round(rate * seconds));
  const orgs = await newOrgs(c, n, label);
  await receiver.reset();
  const created = new Map();
  const t0 = nowMs();
  let maxLag = 0;
  await Promise.all(orgs.map(async (org, i) => {
    const due = t0 + (i * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 0) await lib.sleep(wait);
    maxLag = Math.max(maxLag, nowMs() - due);
    const inst = await install(c, org, i);
    created.set(inst.id, nowMs());
  }));
  await waitCount(receiver, c.tag, n, WAIT_TIMEOUT_MS, `${c.tag} ${label}`, c.servers);
  const snap = await receiver.snapshot(c.tag, true);
  const l = latencies(snap.records, created);
  return {
    installations: n, rate, seconds, max_schedule_lag_ms: maxLag, duplicates: snap.duplicates,
    p50: quantile(l.from201, 0.5), p99: quantile(l.from201, 0.99), max: quantile(l.from201, 1),
    p50_from_event: quantile(l.fromEvent, 0.5), p99_from_event: quantile(l.fromEvent, 0.99),
  };
}

/** Lone installations, one at a time, each after the previous arrived and a random pause (0.1–0.6 s). */
async function singleShots(c, receiver, shots, label) {
  const orgs = await newOrgs(c, shots, label);
  await receiver.reset();
  const created = new Map();
  for (let i = 0; i < shots; i++) {
    await lib.sleep(100 + Math.random() * 500);
    const inst = await install(c, orgs[i], i);
    created.set(inst.id, nowMs());
    await waitCount(receiver, c.tag, i + 1, WAIT_TIMEOUT_MS, `${c.tag} ${label} shot ${i + 1}`, c.servers);
  }
  const snap = await receiver.snapshot(c.tag, true);
  const l = latencies(snap.records, created);
  return { shots, p50: quantile(l.from201, 0.5), max: quantile(l.from201, 1), p50_from_event: quantile(l.fromEvent, 0.5), max_from_event: quantile(l.fromEvent, 1), all_ms: l.from201.map((x) => Math.round(x * 10) / 10) };
}

/** The anchor: bench/webhook-anchor.mjs on Grantry's CPU against the same receiver, one new connection per message or keep-alive. */
async function anchorRun({ receiver, secretName, body, concurrency, seconds, keepAlive, cpu }) {
  await receiver.reset();
  const r0 = lib.cpuTicks(receiver.pid);
  const [cmd, ...pre] = [...lib.pinPrefix(cpu), process.execPath];
  const args = JSON.stringify({ url: receiver.url(secretName), secret: ANCHOR_SECRET, body, concurrency, seconds, keepAlive });
  const { stdout } = await lib.run(cmd, [...pre, ANCHOR, args], { cwd: lib.REPO_ROOT, timeoutMs: (seconds + 30) * 1000 });
  const r = JSON.parse(stdout.trim().split('\n').pop());
  const snap = await receiver.snapshot(secretName);
  return { ...r, received: snap.verified, bad_signature: snap.bad_signature, receiver_cores: (lib.cpuTicks(receiver.pid) - r0) / lib.CLK_TCK / r.seconds };
}
const ANCHOR_SECRET = `whsec_${Buffer.from('grantry bench anchor secret, 32 bytes!!').subarray(0, 32).toString('base64')}`;

// ---------- the whole benchmark ----------
/**
 * Runs every configuration `runs` times, interleaved with the anchor; returns results (settings, every run, the
 * summaries and the rows). Used by the command below and by bench/run.mjs (part `webhooks`).
 */
export async function benchWebhooks({ dbs = ['sqlite', 'postgres'], processes = [1, 2], deliveries = 2000, runs = 3, rate = 20, steadySeconds = 10, shots = 10,
  alg = 'ES256', pin = true, pgUrl = DEFAULT_PG_URL, anchorSeconds = 6, warmupDeliveries = 200, pgWaits = false, out, stamp }) {
  const serverCpu = pin ? 0 : null;
  const receiverCpu = pin ? 1 : null;
  const worker = workerSettings();
  const configs = [];
  const skipped = [];
  for (const db of dbs) for (const p of processes) {
    if (db === 'sqlite' && p > 1) { skipped.push(`sqlite × ${p} processes (several processes share one database on PostgreSQL)`); continue; }
    configs.push({ db, processes: p });
  }
  const results = {
    settings: { dbs, processes, deliveries, runs, rate, steady_seconds: steadySeconds, shots, alg, anchor_seconds: anchorSeconds, warmup_deliveries: warmupDeliveries, pg_waits: pgWaits,
      pinning: pin ? { grantry_cpu: serverCpu, receiver_cpu: receiverCpu, anchor_cpu: serverCpu, postgres: 'unpinned' } : 'none', worker, skipped,
      pg_url: pgUrl.replace(/\/\/[^@/]*@/, '//…@') },
    machine: lib.machineNotes(),
    anchor: [],
    configs: {},
  };
  const receiver = await startReceiverProcess({ cpu: receiverCpu, logFile: path.join(out, 'receiver.log') });
  await receiver.setSecret('anchor', ANCHOR_SECRET);
  const prepared = [];
  let body = null;
  try {
    for (const cfg of configs) {
      const c = await prepareConfig({ ...cfg, alg, cpu: serverCpu, receiver, pgUrl, stamp, out });
      prepared.push(c);
      results.configs[c.tag] = { db: c.db, processes: c.processes, pids: c.servers.map((s) => s.pid), postgres_schema: c.schema, warmup: null, drain: [], steady: [], single: [] };
      // Warm-up: a small drain and a few creations, unrecorded (JIT, connection pools, SQLite pages).
      const w = await drain(c, receiver, Math.min(warmupDeliveries, deliveries), 'warm-up');
      results.configs[c.tag].warmup = { rate: w.rate };
      lib.log(`${c.tag}: warm-up drain ${lib.fmt0(w.rate)} deliveries/s`);
      body ??= await receiver.sample(c.tag); // a real INSTALLATION.CREATE body, replayed by the anchor
    }
    if (!body) throw new Error('no delivered body to replay in the anchor');
    const anchor = async () => {
      const a = {
        new_connection: await anchorRun({ receiver, secretName: 'anchor', body, concurrency: worker.batch_size, seconds: anchorSeconds, keepAlive: false, cpu: serverCpu }),
        keep_alive: await anchorRun({ receiver, secretName: 'anchor', body, concurrency: worker.batch_size, seconds: anchorSeconds, keepAlive: true, cpu: serverCpu }),
      };
      results.anchor.push(a);
      lib.log(`anchor: ${lib.fmt0(a.new_connection.rps)} msg/s one connection each (sender cores ${lib.fmt2(a.new_connection.sender_cores)}, receiver cores ${lib.fmt2(a.new_connection.receiver_cores)}), ${lib.fmt0(a.keep_alive.rps)} msg/s keep-alive (c=${worker.batch_size})`);
    };
    // A,B,…,A,B,…,A: an anchor before every round and one after the last, so each round sits between two anchors.
    for (let i = 1; i <= runs; i++) {
      lib.log(`--- round ${i} of ${runs} ---`);
      await anchor();
      for (const c of prepared) {
        const r = results.configs[c.tag];
        const d = await drain(c, receiver, deliveries, `run ${i}`, { pgWaits, cpu: serverCpu });
        r.drain.push(d);
        if (d.pg_waits) lib.log(`${c.tag} PostgreSQL backends while draining (mean count per sample, ${d.pg_waits.samples} samples):\n${d.pg_waits.top.map((t) => `    ${t.backends.toFixed(2)}  ${t.what}`).join('\n')}`);
        lib.log(`${c.tag} drain: ${lib.fmt0(d.rate)} deliveries/s (${lib.fmt0(d.rate_from_release)}/s from the release, first after ${lib.fmt0(d.start_lag_ms)} ms); share ${d.share.map((x) => `${(100 * x).toFixed(0)}%`).join('/')}; grantry cores ${lib.fmt2(d.grantry_cores)}${d.db_cores !== null ? `, db cores ${lib.fmt2(d.db_cores)}` : ''}, receiver cores ${lib.fmt2(d.receiver_cores)}${d.others_on_grantry_cpu !== null ? `, others on CPU ${serverCpu} ${(100 * d.others_on_grantry_cpu).toFixed(0)}%` : ''}; dup ${d.duplicates}, failed ${d.failed_attempts}`);
        if (steadySeconds > 0) {
          const s = await steady(c, receiver, rate, steadySeconds, `steady ${i}`);
          r.steady.push(s);
          lib.log(`${c.tag} steady ${rate}/s: p50 ${lib.fmtMs(s.p50)} ms, p99 ${lib.fmtMs(s.p99)} ms (from created_at: ${lib.fmtMs(s.p50_from_event)} / ${lib.fmtMs(s.p99_from_event)}); schedule lag ≤ ${lib.fmt0(s.max_schedule_lag_ms)} ms`);
        }
        if (shots > 0) {
          const s = await singleShots(c, receiver, shots, `single ${i}`);
          r.single.push(s);
          lib.log(`${c.tag} single: p50 ${lib.fmtMs(s.p50)} ms, max ${lib.fmtMs(s.max)} ms`);
        }
      }
    }
    await anchor();
  } finally {
    for (const c of prepared) await c.cleanup();
    await receiver.stop();
  }
  results.summary = summarize(results);
  return results;
}

/** Medians over rounds, with min–max; the ratios to the anchors of the same rounds. */
export function summarize(results) {
  const anchorNew = spread(results.anchor.map((a) => a.new_connection.rps));
  const anchorKeep = spread(results.anchor.map((a) => a.keep_alive.rps));
  // the ceiling of round i: the mean of the anchors just before and just after it
  const ceiling = (i) => (results.anchor[i].new_connection.rps + (results.anchor[i + 1] ?? results.anchor[i]).new_connection.rps) / 2;
  const poll = results.settings.worker.poll_interval_ms;
  const configs = {};
  for (const [tag, r] of Object.entries(results.configs)) {
    // ratio per round (same round's anchor), then the median of the ratios
    const perRound = r.drain.map((d, i) => d.rate / ceiling(i));
    const col = (arr, k) => spread(arr.map((x) => (typeof k === 'function' ? k(x) : x[k])));
    configs[tag] = {
      processes: r.processes,
      rate: col(r.drain, 'rate'),
      rate_from_release: col(r.drain, 'rate_from_release'),
      x_anchor: spread(perRound),
      share: r.drain.length ? r.drain[0].share.map((_, p) => lib.median(r.drain.map((d) => d.share[p]))) : [],
      grantry_cores: col(r.drain, 'grantry_cores'),
      per_grantry_cpu_s: col(r.drain, 'deliveries_per_grantry_cpu_s'),
      db_cores: col(r.drain, (d) => d.db_cores ?? NaN),
      receiver_cores: col(r.drain, 'receiver_cores'),
      others_on_grantry_cpu: col(r.drain, (d) => d.others_on_grantry_cpu ?? NaN),
      start_lag_ms: col(r.drain, 'start_lag_ms'),
      duplicates: r.drain.reduce((s, d) => s + d.duplicates, 0) + r.steady.reduce((s, d) => s + d.duplicates, 0),
      failed_attempts: r.drain.reduce((s, d) => s + d.failed_attempts, 0),
      steady_p50: col(r.steady, 'p50'), steady_p99: col(r.steady, 'p99'),
      steady_p50_from_event: col(r.steady, 'p50_from_event'), steady_p99_from_event: col(r.steady, 'p99_from_event'),
      single_p50: col(r.single, 'p50'), single_max: col(r.single, 'max'),
    };
  }
  return { anchor_new_connection: anchorNew, anchor_keep_alive: anchorKeep, poll_interval_ms: poll, configs };
}

export function renderTables(results) {
  const s = results.summary;
  const set = results.settings;
  const poll = s.poll_interval_ms;
  const lines = [];
  lines.push(`### Webhook delivery: drain of ${set.deliveries.toLocaleString('en-US')} held deliveries (median of ${set.runs}, min–max)`);
  lines.push('');
  lines.push(lib.markdownTable(
    ['configuration', 'deliveries/s', '× receiver ceiling', 'per-process share', 'Grantry cores', 'others on Grantry\'s CPU', 'deliveries / Grantry CPU-s', 'db cores', 'receiver cores', 'first after (ms)', 'duplicates', 'failed'],
    Object.entries(s.configs).map(([tag, c]) => [
      tag, fmtSpread(c.rate), fmtSpread(c.x_anchor, fmtX), c.share.map((x) => `${(100 * x).toFixed(0)}%`).join(' / '),
      fmtSpread(c.grantry_cores, lib.fmt2), fmtSpread(c.others_on_grantry_cpu, (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : 'n/a')), fmtSpread(c.per_grantry_cpu_s), fmtSpread(c.db_cores, lib.fmt2), fmtSpread(c.receiver_cores, lib.fmt2),
      fmtSpread(c.start_lag_ms), String(c.duplicates), String(c.failed_attempts),
    ]),
    'lrrrrrrrrrrr',
  ));
  lines.push('');
  lines.push(`Anchor (same run, interleaved): a bare node:http sender on ${set.pinning === 'none' ? 'an unpinned core' : `CPU ${set.pinning.anchor_cpu}`} posting the same signed body to the same receiver, ${set.worker.batch_size} in flight: ` +
    `**${fmtSpread(s.anchor_new_connection)} msg/s with one new connection per message** (as the worker) — the receiver ceiling — and ${fmtSpread(s.anchor_keep_alive)} msg/s on keep-alive connections ` +
    `(${results.anchor.length} anchor runs of ${set.anchor_seconds} s: before every round and after the last).`);
  lines.push('"× receiver ceiling" = Grantry\'s deliveries/s ÷ that ceiling around the same round (the mean of the anchors just before and after it; median of the per-round ratios): 1.00× would mean the outbox, database and worker cost nothing beyond sending. ' +
    '"deliveries/s" = (N − 1) ÷ (last − first receipt); the wait for the first poll is "first after" (from the re-enable request). "per-process share" from each process\'s grantry_webhook_attempts_total. ' +
    '"Grantry cores" = CPU-seconds of all Grantry processes ÷ wall seconds of the drain (≈ 1.00 pinned means CPU-bound on its core); "others on Grantry\'s CPU" = the share of that CPU used by anything else meanwhile (pinned runs; high means Grantry did not have its core to itself); "deliveries / Grantry CPU-s" is the figure to compare across runs; "duplicates" = deliveries received twice (must be 0).');
  lines.push('');
  if (set.steady_seconds > 0 || set.shots > 0) {
    lines.push(`### Webhook delivery: installation created → webhook received (ms; median of ${set.runs}, min–max)`);
    lines.push('');
    const x = (v) => (Number.isFinite(v) ? `${(v / poll).toFixed(2)}×` : 'n/a');
    lines.push(lib.markdownTable(
      ['configuration', `steady ${set.rate}/s p50`, 'p99', 'p50 ÷ poll', 'p99 ÷ poll', 'from created_at p50 / p99', `single p50 (${set.shots} shots)`, 'single max', 'single p50 ÷ poll'],
      Object.entries(s.configs).map(([tag, c]) => [
        tag, fmtSpread(c.steady_p50, lib.fmtMs), fmtSpread(c.steady_p99, lib.fmtMs), x(c.steady_p50.median), x(c.steady_p99.median),
        `${lib.fmtMs(c.steady_p50_from_event.median)} / ${lib.fmtMs(c.steady_p99_from_event.median)}`,
        fmtSpread(c.single_p50, lib.fmtMs), fmtSpread(c.single_max, lib.fmtMs), x(c.single_p50.median),
      ]),
      'lrrrrrrrr',
    ));
    lines.push('');
    lines.push(`Latency = receipt at the receiver − the management API's 201 for POST /installations (client side); "from created_at" counts from the event's \`timestamp\` (written with the installation) instead. ` +
      `"÷ poll" divides by the worker's poll interval (${poll} ms, ${set.worker.from}): an idle worker looks every ${poll} ms, so a lone delivery waits U(0, ${poll}) ms for it — p50 ≈ 0.5×, p99 ≈ 1.0× is the floor of one polling process; two processes poll independently (their first look comes sooner). Steady = open-loop creations at --rate for --steady s.`);
  }
  if (set.skipped.length) lines.push(`\nNot run: ${set.skipped.join('; ')}.`);
  return lines.join('\n');
}

// ---------- the command ----------
const USAGE = `usage: node bench/webhook-delivery.mjs [options]        (npm run bench:webhooks -- [options])
  --db LIST            sqlite, postgres or both (default sqlite,postgres)
  --processes LIST     Grantry processes per configuration (default 1,2; 2+ on PostgreSQL only)
  --deliveries N       held deliveries released per drain (default 2000)
  --runs N             rounds, each: anchor, then every configuration; one more anchor at the end (default 3; medians)
  --rate R             installation creations per second in the steady latency phase (default 20)
  --steady S           seconds of the steady phase (default 10; 0 = skip)
  --shots N            lone installations for the single-shot latency (default 10; 0 = skip)
  --alg ALG            signing algorithm of the servers (default ES256; only the creations sign)
  --no-pin             pin nothing (default: Grantry processes on CPU 0, receiver on CPU 1)
  --pg-waits           sample PostgreSQL's pg_stat_activity (state, wait event) while draining: where the time goes
  --pg-url URL         PostgreSQL (default ${DEFAULT_PG_URL}; a schema per configuration is created and dropped)
  --quick              smoke run: 300 deliveries, 1 round, 3 s steady, 3 shots — proves the harness, measures nothing
  --json               print results.json to stdout instead of the tables
  --out DIR            default bench/results/<UTC>-webhooks/`;

async function main() {
  const { values: opt } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite,postgres' }, processes: { type: 'string', default: '1,2' }, deliveries: { type: 'string' }, runs: { type: 'string' },
      rate: { type: 'string', default: '20' }, steady: { type: 'string' }, shots: { type: 'string' }, alg: { type: 'string', default: 'ES256' },
      'no-pin': { type: 'boolean', default: false }, 'pg-waits': { type: 'boolean', default: false }, 'pg-url': { type: 'string', default: DEFAULT_PG_URL }, quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (opt.help) { console.log(USAGE); return; }
  const die = (msg) => { console.error(`${msg}\n${USAGE}`); process.exit(2); };
  const int = (name, fallback, min, max) => {
    const v = Number(opt[name] ?? fallback);
    if (!Number.isInteger(v) || v < min || v > max) die(`--${name} must be an integer in [${min}, ${max}]`);
    return v;
  };
  const list = (s) => s.split(/[\s,]+/).filter(Boolean);
  const dbs = list(opt.db);
  if (!dbs.length || dbs.some((d) => !['sqlite', 'postgres'].includes(d))) die('--db: sqlite, postgres or both');
  const processes = list(opt.processes).map(Number);
  if (!processes.length || processes.some((p) => !Number.isInteger(p) || p < 1 || p > 4)) die('--processes: integers 1–4');
  if (!['RS256', 'ES256', 'EdDSA'].includes(opt.alg)) die('--alg: RS256, ES256 or EdDSA');
  try { checkPgUrl(opt['pg-url']); } catch (err) { die(`--pg-url: ${err.message}`); }
  const Q = opt.quick;
  const settings = {
    dbs, processes, alg: opt.alg, pin: !opt['no-pin'], pgUrl: opt['pg-url'], pgWaits: opt['pg-waits'],
    deliveries: int('deliveries', Q ? 300 : 2000, 10, 1_000_000), runs: int('runs', Q ? 1 : 3, 1, 20), rate: int('rate', 20, 1, 2000),
    steadySeconds: int('steady', Q ? 3 : 10, 0, 300), shots: int('shots', Q ? 3 : 10, 0, 1000), anchorSeconds: Q ? 1 : 6, warmupDeliveries: Q ? 50 : 200,
  };
  lib.installCleanup();
  if (settings.pin) lib.assertCanPin();
  if (!fs.existsSync(path.join(lib.REPO_ROOT, 'dist/cli/main.js'))) die('dist/cli/main.js not found: build Grantry first (npm run build)');
  if (dbs.includes('postgres')) {
    const c = await pgClient(settings.pgUrl).catch((err) => die(`PostgreSQL is not reachable (${err.message}); use --db sqlite or --pg-url`));
    await c.end();
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = path.resolve(opt.out ?? path.join(lib.BENCH_DIR, 'results', `${stamp}-webhooks`));
  fs.mkdirSync(out, { recursive: true });
  lib.log(`results in ${out}${Q ? ' (--quick: measures nothing)' : ''}; load average ${os.loadavg()[0].toFixed(2)}`);
  const results = await benchWebhooks({ ...settings, out, stamp });
  results.settings.quick = Q;
  results.machine.loadavg_after = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const tables = renderTables(results);
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(out, 'table.md'), `${tables}\n`);
  if (opt.json) console.log(JSON.stringify(results, null, 2));
  else console.log(tables);
  lib.log(`wrote ${path.join(out, 'results.json')} and table.md`);
  const bad = Object.values(results.summary.configs).some((c) => c.duplicates || c.failed_attempts);
  if (bad) { lib.log('some deliveries were received twice or had failed attempts (see the table)'); process.exitCode = 1; }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    await main();
  } catch (err) {
    console.error(err?.stack ?? err);
    process.exitCode = 1;
  } finally {
    await lib.stopAll();
  }
}
