// bench/cc.mjs — Grantry's client_credentials load, shared by client-credentials.mjs, run.mjs (throughput, the
// --workers scaling and the memory curve) and profile.mjs: a fresh data dir, `grantry serve`, credentials through
// the CLI, one checked token request, then autocannon.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lib from './lib.mjs';

export const CC_SCOPE = 'payments:create';
export const CC_BODY = `grant_type=client_credentials&scope=${CC_SCOPE}`; // ':' is allowed unencoded in a form value

/**
 * Start Grantry for client_credentials and prove it issues a token signed with `alg`. Returns the server, the
 * token URL, the request headers, the check's details and `cleanup()` (stops the server, removes the data dir).
 * `workers` > 1 runs `serve --workers N`; `nodeArgs` are node flags for the server (e.g. --cpu-prof).
 */
export async function prepareClientCredentials({ alg, cpu = null, logFile, workers = 1, nodeArgs = [], label = `grantry ${alg}` }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `grantry-bench-${alg}-`));
  let server = null;
  const cleanup = async () => {
    if (server) await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    server = await lib.startGrantry({ dataDir, alg, cpu, logFile, nodeArgs, serveArgs: workers > 1 ? ['--workers', String(workers)] : [] });
    lib.log(`${label}: pid ${server.pid} at ${server.baseUrl}${workers > 1 ? ` (--workers ${workers})` : ''}`);
    const { clientId, clientSecret } = await lib.bootstrapClient(server.env, { scope: CC_SCOPE });
    const url = `${server.baseUrl}/oauth/token`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: lib.basicAuth(clientId, clientSecret) };

    // One real request first: a misconfiguration should show its answer, not 30 s of non-2xx.
    const check = await lib.postForm(url, CC_BODY, { authorization: headers.authorization });
    if (check.status !== 200 || !check.json?.access_token) throw new Error(`token check failed: ${check.status} ${check.text.slice(0, 500)}`);
    const jwtHeader = JSON.parse(Buffer.from(check.json.access_token.split('.')[0], 'base64url').toString());
    if (jwtHeader.alg !== alg) throw new Error(`asked for ${alg} but the token is signed ${jwtHeader.alg}`);
    lib.log(`${label}: token check ok (${jwtHeader.alg}, ${check.json.access_token.length} bytes)`);
    return {
      server, url, headers, body: CC_BODY, dataDir, cleanup,
      check: { status: check.status, jwt_header: jwtHeader, token_bytes: check.json.access_token.length, expires_in: check.json.expires_in },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * One Grantry server for `alg`, a warm-up and `repeat` measured autocannon runs. `serverCpu`/`loadCpu`: pinning
 * (null = unpinned). With `workers` > 1 the server CPU is the primary plus its workers. Returns {runs, summary,
 * check, workers}.
 */
const SIGN_FLOOR = path.join(path.dirname(new URL(import.meta.url).pathname), 'sign-floor.mjs');

/**
 * The ceiling of a token endpoint, measured like Grantry: bench/sign-floor.mjs (the Fastify floor plus one JWT
 * signature per request, nothing else) on `serverCpu`, the same client_credentials body, autocannon on `loadCpu`.
 */
export async function benchSignFloor({ alg, serverCpu = null, loadCpu = null, connections, duration, warmup, repeat, out }) {
  const label = `floor+signature ${alg}`;
  const port = await lib.freePort();
  const logFile = path.join(out, `sign-floor-${alg}.log`);
  const fd = fs.openSync(logFile, 'a');
  const [cmd, ...pre] = [...lib.pinPrefix(serverCpu), process.execPath];
  const child = lib.spawnTracked(cmd, [...pre, SIGN_FLOOR], { env: { ...process.env, ALG: alg, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  try {
    await lib.waitReady(`http://127.0.0.1:${port}/health`, child);
    lib.log(`${label}: pid ${child.pid} at http://127.0.0.1:${port}`);
    return await lib.measure(
      { url: `http://127.0.0.1:${port}/oauth/token`, connections, duration, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: CC_BODY, cpu: loadCpu, serverPid: child.pid, serverCpu },
      { warmup, repeat, label, rawPrefix: path.join(out, 'raw', `sign-floor-${alg}`), server: child },
    );
  } finally {
    await lib.stopChild(child);
  }
}

export async function benchClientCredentials({ alg, serverCpu = null, loadCpu = null, connections, duration, warmup, repeat, out, workers = 1, tag = alg }) {
  const label = `grantry ${tag}`;
  const p = await prepareClientCredentials({ alg, cpu: serverCpu, logFile: path.join(out, `grantry-${tag}.log`), workers, label });
  try {
    const m = await lib.measure(
      { url: p.url, connections, duration, headers: p.headers, body: p.body, cpu: loadCpu, serverPid: p.server.pid, serverTree: workers > 1, serverCpu },
      { warmup, repeat, label, rawPrefix: path.join(out, 'raw', `grantry-${tag}`), server: p.server.child },
    );
    return { ...m, check: p.check, workers };
  } finally {
    await p.cleanup();
  }
}
