// bench/lib.mjs — shared pieces of Grantry's benchmark harnesses (client-credentials.mjs, refresh-rotation.mjs):
// child-process bookkeeping, starting Grantry, bootstrapping credentials, pinning, server CPU accounting,
// autocannon and refresh-load runs, the peer anchors from ../shared/peers, and table printing.
//
// Rules every helper follows: each child process is registered so it is killed on exit (also on SIGINT/SIGTERM
// and errors), each wait or loop has a time bound, and traffic only goes to 127.0.0.1.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.dirname(BENCH_DIR);
// The peers' harness sits beside the repository (../shared/peers); GRANTRY_PEERS_DIR points elsewhere.
export const PEERS_SRC = process.env.GRANTRY_PEERS_DIR ?? path.resolve(BENCH_DIR, '../../shared/peers');
const AUTOCANNON_CLI = path.join(REPO_ROOT, 'node_modules/autocannon/autocannon.js');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.error('[bench]', ...a);

// ---------- child processes: every one is tracked and killed on the way out ----------
const children = new Map(); // pid -> { child, group }

/**
 * spawn() that registers the child for cleanup. `group: true` starts it in its own process group so that
 * stopping it also stops its descendants (run-peers.sh starts servers and load generators of its own).
 */
export function spawnTracked(cmd, args, { group = false, termLeaderOnly = false, ...opts } = {}) {
  const child = spawn(cmd, args, { ...opts, detached: group });
  if (child.pid) {
    children.set(child.pid, { child, group, termLeaderOnly });
    child.once('exit', () => children.delete(child.pid));
  }
  return child;
}

function signal(pid, group, sig) {
  try { process.kill(group ? -pid : pid, sig); } catch { /* already gone */ }
}

/**
 * SIGTERM, then SIGKILL after graceMs if the child has not exited. A group child gets both as a group, except with
 * `termLeaderOnly` (a server that stops its own workers): SIGTERM to the leader alone, SIGKILL to the group.
 */
export async function stopChild(child, graceMs = 5000) {
  const entry = children.get(child.pid);
  if (!entry || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  signal(child.pid, entry.group && !entry.termLeaderOnly, 'SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) {
    if (entry.termLeaderOnly) signal(child.pid, true, 'SIGKILL'); // anything the leader left behind in its group
    return;
  }
  signal(child.pid, entry.group, 'SIGKILL');
  await Promise.race([exited, sleep(2000)]);
}

export async function stopAll() {
  await Promise.all([...children.values()].map(({ child }) => stopChild(child)));
}

// ---------- other cleanups (e.g. dropping a temporary PostgreSQL schema), run after the children are gone ----------
const cleanups = new Set();
/** Register an async cleanup for Ctrl-C/SIGTERM/crash; returns a function that unregisters it. Each is bounded to 10 s. */
export function addCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
async function runCleanups() {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try { await Promise.race([fn(), sleep(10_000)]); } catch (err) { console.error(`cleanup failed: ${err?.message ?? err}`); }
  }
}

let cleanupInstalled = false;
/** Kill every tracked child on normal exit, Ctrl-C, SIGTERM and crashes. Call once at startup. */
export function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // 'exit' handlers must be synchronous: last resort, SIGKILL whatever is still registered.
  process.on('exit', () => { for (const [pid, { group }] of children) signal(pid, group, 'SIGKILL'); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      log(`${sig}: stopping children`);
      await stopAll();
      await runCleanups();
      process.exit(128 + (os.constants.signals[sig] ?? 0));
    });
  }
  const crash = async (err) => {
    console.error(err?.stack ?? err);
    await stopAll();
    await runCleanups();
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

/**
 * Run a command to completion with a hard time limit; resolves {code, stdout, stderr}.
 * `check: true` rejects on a non-zero exit, with the tail of stderr in the message.
 */
export function run(cmd, args, { timeoutMs = 60_000, check = true, stdoutFile, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; stopChild(child, 2000); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (stdoutFile) fs.writeFileSync(stdoutFile, stdout);
      const what = `${cmd} ${args.join(' ')}`.slice(0, 300);
      if (timedOut) return reject(new Error(`timed out after ${timeoutMs} ms: ${what}\n${stderr.slice(-2000)}`));
      if (check && code !== 0) return reject(new Error(`exit ${code ?? sig}: ${what}\n${stderr.slice(-2000)}${stdout.slice(-1000)}`));
      resolve({ code, stdout, stderr });
    });
  });
}

// ---------- pinning and CPU accounting ----------
/** Command prefix that pins to one CPU (`taskset -c N`), or [] when cpu is null. */
export const pinPrefix = (cpu) => (cpu === null || cpu === undefined ? [] : ['taskset', '-c', String(cpu)]);

export function assertCanPin() {
  try { execFileSync('taskset', ['-V'], { stdio: 'ignore' }); } catch { throw new Error('--pin needs taskset (util-linux)'); }
  if (os.cpus().length < 2) throw new Error('--pin needs at least 2 CPUs (server on 0, load on 1)');
}

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime+stime (all threads) of a process in clock ticks, or NaN when it is gone. */
export function cpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parens: split after the last ')'. utime/stime are fields 14/15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch { return NaN; }
}

/** The pids of a process's children (all threads' children lists), or [] when it is gone. */
export function childPids(pid) {
  const out = [];
  let tasks = [];
  try { tasks = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tasks) {
    try {
      out.push(...fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch { /* thread gone */ }
  }
  return out;
}

/**
 * utime+stime of a process and all its live descendants (e.g. `grantry serve --workers 2`: the primary and its
 * cluster workers), in clock ticks; NaN when the process itself is gone. Bounded to 64 processes.
 */
export function treeCpuTicks(pid) {
  const own = cpuTicks(pid);
  if (!Number.isFinite(own)) return NaN;
  let total = 0;
  const seen = new Set();
  const queue = [pid];
  while (queue.length && seen.size < 64) {
    const p = queue.shift();
    if (seen.has(p)) continue;
    seen.add(p);
    const t = cpuTicks(p);
    if (Number.isFinite(t)) total += t;
    queue.push(...childPids(p));
  }
  return total;
}

/** VmRSS and VmHWM (peak) of a process in KiB from /proc/PID/status, or null when it is gone. */
export function memStatus(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss_kib: kib('VmRSS'), hwm_kib: kib('VmHWM') };
  } catch { return null; }
}

/**
 * Busy (non-idle, non-iowait) and total ticks of one CPU from /proc/stat. Pinning keeps our processes apart but
 * does not keep other people's processes off the server's core; busy - server ticks shows how much they took.
 */
export function cpuCoreTicks(cpu) {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) return { busy: NaN, total: NaN };
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total };
}

// ---------- HTTP helpers (loopback only) ----------
export function assertLoopback(url) {
  const host = new URL(url).hostname;
  if (!(host === 'localhost' || host.startsWith('127.') || host === '[::1]')) throw new Error(`refusing non-loopback target ${url}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded before being joined for Basic auth. */
export const basicAuth = (id, secret) =>
  'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

export async function postForm(url, body, headers = {}, timeoutMs = 10_000) {
  assertLoopback(url);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, text, json };
}

/** Poll `url` until it answers 200, the child dies, or timeoutMs passes. */
export async function waitReady(url, child, timeoutMs = 30_000) {
  assertLoopback(url);
  const end = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before ${url} was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) { last = err.cause?.code ?? err.message; }
    await sleep(100);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (last: ${last})`);
}

// ---------- Grantry ----------
const GRANTRY_MAIN = path.join(REPO_ROOT, 'dist/cli/main.js');

/** `extra`: more GRANTRY_* variables (database URL, master key, webhook networks…), applied last. */
export function grantryEnv({ dataDir, port, alg, extra = {} }) {
  return {
    ...process.env,
    GRANTRY_DATA_DIR: dataDir,
    GRANTRY_PORT: String(port),
    GRANTRY_HOST: '127.0.0.1',
    GRANTRY_SIGNING_ALG: alg,
    GRANTRY_LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    ...extra,
  };
}

/**
 * Start `node dist/cli/main.js serve` (optionally under taskset) on a fresh port and wait for /readyz.
 * taskset execs node, so the child's pid is the server's pid, which is what the CPU accounting reads.
 */
/**
 * `serveArgs`: more `serve` flags (e.g. ['--workers', '2']); `nodeArgs`: node flags for the server only (e.g.
 * ['--cpu-prof', ...]), added to BENCH_SERVER_NODE_ARGS. The server runs in its own process group, so stopping it
 * also stops cluster workers it forked.
 */
export async function startGrantry({ dataDir, alg, cpu = null, logFile, extraEnv = {}, serveArgs = [], nodeArgs: moreNodeArgs = [] }) {
  if (!fs.existsSync(GRANTRY_MAIN)) throw new Error(`${GRANTRY_MAIN} not found: build Grantry first (npm run build)`);
  const port = await freePort();
  const env = grantryEnv({ dataDir, port, alg, extra: extraEnv });
  const out = fs.openSync(logFile, 'a');
  const [cmd, ...pre] = [...pinPrefix(cpu), process.execPath];
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile
  // it (NODE_OPTIONS refuses --cpu-prof, and would apply to every child). Off by default: numbers are unprofiled.
  const nodeArgs = [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), ...moreNodeArgs];
  const child = spawnTracked(cmd, [...pre, ...nodeArgs, GRANTRY_MAIN, 'serve', ...serveArgs], { cwd: REPO_ROOT, env, stdio: ['ignore', out, out], group: true, termLeaderOnly: true });
  fs.closeSync(out);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${baseUrl}/readyz`, child);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${err.message}\n--- ${logFile} (tail) ---\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
  }
  return { child, pid: child.pid, baseUrl, env, stop: () => stopChild(child) };
}

/** Run a Grantry CLI command with `--json` against the same data dir and parse its JSON answer. */
export async function grantryCli(env, args) {
  const { stdout } = await run(process.execPath, [GRANTRY_MAIN, ...args, '--json'], { cwd: REPO_ROOT, env, timeoutMs: 60_000 });
  const text = stdout.trim();
  try { return JSON.parse(text); } catch { /* tolerate a banner line before the JSON */ }
  const start = text.search(/[[{]/);
  if (start < 0) throw new Error(`no JSON from grantry ${args.join(' ')}: ${text.slice(0, 500)}`);
  return JSON.parse(text.slice(start));
}

/**
 * Admin bootstrap + one merchant app holding `scope`, all through the CLI (the way an operator would).
 * Returns the app's credentials (the admin app's secret is not needed by the benches and is not returned).
 */
export async function bootstrapClient(env, { scope = 'payments:create', name = 'Bench' } = {}) {
  const admin = await grantryCli(env, ['init']);
  if (!admin.client_id) throw new Error(`init: unexpected answer ${JSON.stringify(admin).slice(0, 300)}`);
  await grantryCli(env, ['scopes', 'add', scope, '--description', 'Benchmark scope']);
  const org = await grantryCli(env, ['orgs', 'create', '--type', 'merchant', '--name', name]);
  const app = await grantryCli(env, ['apps', 'create', '--name', name, '--type', 'merchant', '--org', org.id, '--scopes', scope]);
  if (!app.client_id || !app.client_secret) throw new Error(`apps create: unexpected answer ${JSON.stringify(app).slice(0, 300)}`);
  return { clientId: app.client_id, clientSecret: app.client_secret, orgId: org.id, adminClientId: admin.client_id };
}

// ---------- load: autocannon (the repo's devDependency, run as a child so it can be pinned) ----------
/**
 * One autocannon run of `duration` s (or of `amount` requests) against `url`, as a separate process (on `cpu`
 * when given), returning a normalized record. Server CPU is read from /proc/<serverPid>/stat right before and after
 * the run; `serverTree: true` adds the CPU of its descendants (cluster workers). `timeoutS` bounds an `amount` run
 * (default: duration + 30 s).
 */
export async function autocannonRun({ url, connections, duration, amount, timeoutS, method = 'POST', headers = {}, body, cpu = null, serverPid, serverTree = false, serverCpu = null, rawFile }) {
  assertLoopback(url);
  const args = [AUTOCANNON_CLI, '-c', String(connections), ...(amount ? ['-a', String(amount)] : ['-d', String(duration)]), '-m', method, '--json'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  if (body !== undefined) args.push('-b', body);
  args.push(url);
  const [cmd, ...pre] = [...pinPrefix(cpu), process.execPath];
  const ticks = serverTree ? treeCpuTicks : cpuTicks;
  const core0 = serverCpu !== null ? cpuCoreTicks(serverCpu) : null;
  const t0 = serverPid ? ticks(serverPid) : NaN;
  const { stdout } = await run(cmd, [...pre, ...args], { timeoutMs: (timeoutS ?? duration + 30) * 1000 });
  const t1 = serverPid ? ticks(serverPid) : NaN;
  const core1 = serverCpu !== null ? cpuCoreTicks(serverCpu) : null;
  if (rawFile) fs.writeFileSync(rawFile, stdout);
  const j = JSON.parse(stdout);
  const cpuS = (t1 - t0) / CLK_TCK;
  return {
    rps: j.requests.total / j.duration,
    rps_ok: (j['2xx'] ?? 0) / j.duration,
    p50: j.latency.p50,
    p99: j.latency.p99,
    max: j.latency.max,
    requests: j.requests.total,
    duration_s: j.duration,
    errors: (j.errors ?? 0) + (j.timeouts ?? 0),
    non2xx: j.non2xx ?? 0,
    statuses: Object.fromEntries(Object.entries(j.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
    server_cpu_s: Number.isFinite(cpuS) ? cpuS : null,
    server_cores: cpuS > 0 ? cpuS / j.duration : null,
    req_per_server_cpu_s: cpuS > 0 ? j.requests.total / cpuS : null,
    // share of the server's core used by anything but the server (other processes, kernel work for them)
    others_on_server_cpu: core0 ? Math.max(0, (core1.busy - core0.busy - (t1 - t0)) / (core1.total - core0.total)) : null,
  };
}

/**
 * A short unrecorded warm-up, then `repeat` measured runs; returns {runs, summary}. `server` (a child process)
 * is checked after every run: a server that died mid-run must fail the bench, not become a row of zeros.
 */
export async function measure(opts, { warmup = 3, repeat = 3, label = 'target', rawPrefix, server } = {}) {
  const alive = (when) => {
    if (server && (server.exitCode !== null || server.signalCode !== null)) {
      throw new Error(`${label}: server pid ${server.pid} exited (${server.exitCode ?? server.signalCode}) ${when}`);
    }
  };
  log(`${label}: warm-up ${warmup}s, then ${repeat} x ${opts.duration}s at c=${opts.connections}`);
  await autocannonRun({ ...opts, duration: warmup, serverPid: undefined, serverCpu: null });
  alive('during the warm-up');
  const runs = [];
  for (let i = 1; i <= repeat; i++) {
    const r = await autocannonRun({ ...opts, rawFile: rawPrefix && `${rawPrefix}.${i}.json` });
    alive(`during run ${i}`);
    const others = r.others_on_server_cpu === null ? '' : `, others on server CPU ${(100 * r.others_on_server_cpu).toFixed(0)}%`;
    log(`  run ${i}: ${fmt0(r.rps)} req/s, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}, server cores ${fmt2(r.server_cores)}${others}`);
    runs.push(r);
  }
  return { runs, summary: summarize(runs) };
}

// ---------- statistics and formatting ----------
export function median(values) {
  const s = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Medians per metric over repeated runs (min/max of req/s to show the noise); counts are summed. */
export function summarize(runs) {
  const col = (k) => runs.map((r) => r[k] ?? NaN);
  const rps = col('rps');
  return {
    runs: runs.length,
    rps: median(rps),
    rps_min: Math.min(...rps),
    rps_max: Math.max(...rps),
    p50: median(col('p50')),
    p99: median(col('p99')),
    non2xx: runs.reduce((a, r) => a + (r.non2xx || 0), 0),
    errors: runs.reduce((a, r) => a + (r.errors || 0), 0),
    server_cores: median(col('server_cores')),
    req_per_server_cpu_s: median(col('req_per_server_cpu_s')),
    others_on_server_cpu: median(col('others_on_server_cpu')),
    // refresh-rotation runs (refreshLoadRun, run-peers.sh norm-refresh) carry more; only summarized when present
    ...(runs.some((r) => 'dead_chains' in r) ? {
      rps_ok: median(col('rps_ok')),
      server_cpu_s: median(col('server_cpu_s')),
      dead_chains: runs.reduce((a, r) => a + (r.dead_chains || 0), 0),
      not_rotated: runs.reduce((a, r) => a + (r.not_rotated || 0), 0),
    } : {}),
    ...(runs.some((r) => Number.isFinite(r.extra_cpu_s)) ? {
      extra_cpu_s: median(col('extra_cpu_s')),
      extra_cores: median(col('extra_cores')),
      req_per_total_cpu_s: median(col('req_per_total_cpu_s')),
    } : {}),
  };
}

export const fmt0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
export const fmt2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
export const fmtMs = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : 'n/a');
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/** Markdown table; `align` is a string of 'l'/'r' per column. */
export function markdownTable(header, rows, align = '') {
  const sep = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

// ---------- peers (../shared/peers): install, run-peers.sh, sign-limit.mjs ----------
/**
 * A directory holding the peers' scripts with their node_modules installed. ../shared/peers is shipped
 * read-only, so unless someone already installed it in place, the scripts are copied to bench/.cache/peers and
 * `npm ci` (npm registry, pinned by their lock file) runs there once; later runs reuse it while the lock matches.
 */
export async function ensurePeers() {
  if (fs.existsSync(path.join(PEERS_SRC, 'node_modules/autocannon'))) return PEERS_SRC;
  const dir = path.join(BENCH_DIR, '.cache/peers');
  fs.mkdirSync(dir, { recursive: true });
  const lock = (d) => { try { return fs.readFileSync(path.join(d, 'package-lock.json'), 'utf8'); } catch { return null; } };
  const upToDate = lock(dir) === lock(PEERS_SRC) && fs.existsSync(path.join(dir, 'node_modules/.package-lock.json'));
  for (const f of fs.readdirSync(PEERS_SRC, { withFileTypes: true })) {
    if (f.isFile()) fs.writeFileSync(path.join(dir, f.name), fs.readFileSync(path.join(PEERS_SRC, f.name)));
  }
  if (!upToDate) {
    log(`installing the peers' dependencies in ${dir} (npm ci, once)`);
    await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeoutMs: 10 * 60_000 });
  }
  return dir;
}

/**
 * Run run-peers.sh for `targets` (same pinning/duration/repeat as ours) and return per-target medians from its
 * runs.jsonl, keyed by target name. Its summary.md lands in `out`.
 * Default (`refresh: false`): client_credentials with autocannon only (kind 'http').
 * `refresh: true`: only the refresh-token rotation load (refresh-load.mjs, `chains` chains; TOOLS is emptied so
 * no client_credentials load runs), kind 'refresh'.
 */
export async function runPeers({ refresh = false, ...opts }) {
  const both = await runPeersLoads({ ...opts, http: !refresh, refresh });
  return refresh ? both.refresh : both.http;
}

/**
 * run-peers.sh once for both loads when `http` and `refresh` are true (client_credentials with autocannon, then
 * the rotation load, per target; the Fastify floor has no rotation). Returns {http, refresh}, each keyed by target.
 */
export async function runPeersLoads({ dir, targets, pin, duration, warmup, repeat, connections = 50, chains = 50, http = true, refresh = false, out }) {
  const env = {
    ...process.env,
    TARGETS: targets.join(' '), TOOLS: http ? 'autocannon' : '', REFRESH: refresh ? '1' : '0', SIGN: '0', SKIP_INSTALL: '1',
    PIN: pin ? '1' : '0', DURATION: String(duration), WARMUP: String(warmup), REPEAT: String(repeat),
    CONNECTIONS: String(connections), CHAINS: String(chains), OUT: out,
  };
  for (const k of ['PROJECT_URL', 'PROJECT_PID', 'PROJECT_SEED_URL', 'PROJECT_TOKENS_FILE']) delete env[k];
  const budgetS = targets.length * ((http ? 1 : 0) + (refresh ? 1 : 0)) * (warmup + repeat * (duration + 5) + 40) + 60;
  log(`peers: run-peers.sh TARGETS="${env.TARGETS}" REFRESH=${env.REFRESH} PIN=${env.PIN} (bounded to ${budgetS}s)`);
  const { stderr } = await run('bash', [path.join(dir, 'run-peers.sh')], { cwd: dir, env, group: true, timeoutMs: budgetS * 1000, stdoutFile: path.join(out, 'summary.stdout.md') });
  fs.writeFileSync(path.join(out, 'run-peers.stderr.log'), stderr);
  const rows = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const pick = (kind) => {
    const byTarget = {};
    for (const t of targets) {
      if (kind === 'refresh' && t.startsWith('floor')) continue; // the floor has no token endpoint
      const runs = rows.filter((r) => r.target === t && (kind === 'refresh' ? r.kind === 'refresh' : r.tool === 'autocannon' && r.kind === 'http'));
      if (runs.length) byTarget[t] = { runs, summary: summarize(runs) };
      else log(`peers: no ${kind === 'refresh' ? 'refresh' : 'autocannon'} runs recorded for ${t} (see ${out}/logs and run-peers.stderr.log)`);
    }
    return byTarget;
  };
  return { http: http ? pick('http') : {}, refresh: refresh ? pick('refresh') : {} };
}

/**
 * One run of the peers' refresh-load.mjs (mode refresh: `chains` chains, each presenting its newest refresh token)
 * as a separate process (on `cpu` when given), with the same server CPU accounting as autocannonRun. The script
 * has no dependencies, so it runs straight from ../shared/peers. `extraCpu` (optional) is
 * {before(), after(snapshot)} for CPU outside the server process (e.g. PostgreSQL backends), reported as
 * extra_cpu_s. Resolves a normalized record (same keys as autocannonRun, plus the refresh-specific ones); rejects
 * with refresh-load's own message when it refuses to start (e.g. its first refresh was not a 200).
 */
export async function refreshLoadRun({ url, clientId, clientSecret, chains, duration, tokensFile, cpu = null, serverPid, serverCpu = null, jsonFile, extraCpu, script = path.join(PEERS_SRC, 'refresh-load.mjs') }) {
  assertLoopback(url);
  const args = [script, '--url', url, '--client-id', clientId, '--client-secret', clientSecret, '--chains', String(chains),
    '--duration', String(duration), '--tokens-file', tokensFile, '--json', jsonFile];
  const [cmd, ...pre] = [...pinPrefix(cpu), process.execPath];
  const x0 = extraCpu ? await extraCpu.before() : null;
  const core0 = serverCpu !== null ? cpuCoreTicks(serverCpu) : null;
  const t0 = serverPid ? cpuTicks(serverPid) : NaN;
  const res = await run(cmd, [...pre, ...args], { timeoutMs: (duration + 60) * 1000, check: false });
  const t1 = serverPid ? cpuTicks(serverPid) : NaN;
  const core1 = serverCpu !== null ? cpuCoreTicks(serverCpu) : null;
  const extraS = extraCpu ? await extraCpu.after(x0) : null;
  if (res.code !== 0) throw new Error(`refresh-load exited ${res.code}: ${res.stderr.trim().slice(-2000)}`);
  const j = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const cpuS = (t1 - t0) / CLK_TCK;
  return {
    rps: j.rps_total,
    rps_ok: j.rps_ok,
    p50: j.p50_ms,
    p90: j.p90_ms,
    p99: j.p99_ms,
    max: j.max_ms,
    requests: j.requests,
    ok: j.ok,
    duration_s: j.duration_s,
    errors: j.net_errors ?? 0,
    non2xx: j.non200 ?? 0, // refresh-load counts non-200 (a 2xx other than 200 counts too)
    statuses: j.statuses,
    error_codes: j.error_codes,
    dead_chains: j.dead_chains,
    not_rotated: j.not_rotated,
    no_access_token: j.no_access_token,
    reuse: j.reuse_of_old_token ?? null,
    first_answer: res.stderr.trim().split('\n').find((l) => l.startsWith('first answer:'))?.slice(0, 300) ?? null,
    server_cpu_s: Number.isFinite(cpuS) ? cpuS : null,
    server_cores: cpuS > 0 ? cpuS / j.duration_s : null,
    req_per_server_cpu_s: cpuS > 0 ? j.requests / cpuS : null,
    extra_cpu_s: extraS,
    extra_cores: Number.isFinite(extraS) ? extraS / j.duration_s : null,
    req_per_total_cpu_s: cpuS > 0 && Number.isFinite(extraS) ? j.requests / (cpuS + extraS) : null,
    others_on_server_cpu: core0 ? Math.max(0, (core1.busy - core0.busy - (t1 - t0)) / (core1.total - core0.total)) : null,
  };
}

/**
 * sign-limit.mjs on one core (`cpu`): node:crypto sync sign ops/s per algorithm, the per-core ceiling for issuing
 * one JWT. Its other cases (jose, verify) come along in the JSON.
 */
export async function signLimit({ dir, algs, cpu = 0, out, runs = 3, durationMs = 2000 }) {
  const json = path.join(out, 'sign-limit.json');
  const [cmd, ...pre] = [...pinPrefix(cpu), process.execPath];
  const budgetMs = algs.length * 6 * runs * (durationMs + 600) + 60_000; // 6 cases per alg, each with a warm-up
  log(`sign-limit: ${algs.join(',')} on CPU ${cpu ?? 'any'}, ${runs} x ${durationMs} ms per case`);
  const { stdout } = await run(cmd, [...pre, path.join(dir, 'sign-limit.mjs'), '--algs', algs.join(','), '--runs', String(runs),
    '--duration-ms', String(durationMs), '--json', json], { cwd: dir, timeoutMs: budgetMs });
  fs.writeFileSync(path.join(out, 'sign-limit.md'), stdout);
  const { summary } = JSON.parse(fs.readFileSync(json, 'utf8'));
  return Object.fromEntries(algs.map((a) => [a, summary[a]['node:crypto sign (sync)'].median]));
}

/** A few lines describing the machine, for the results file. */
export function machineNotes() {
  return {
    date_utc: new Date().toISOString(),
    host: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: `${os.cpus()[0]?.model} x ${os.cpus().length}`,
    mem_gib: Math.round(os.totalmem() / 2 ** 30),
    loadavg_before: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    node: process.version,
    openssl: process.versions.openssl,
    autocannon: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/autocannon/package.json'), 'utf8')).version,
  };
}
