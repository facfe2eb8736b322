#!/usr/bin/env node
// bench/client-credentials.mjs — throughput of Grantry's token endpoint for client_credentials
// (client_secret_basic, form body), measured next to its anchors in the same run so the ratios mean something:
// the per-core JWT signing limit and the peer servers from ../shared/peers (oidc-provider, node-oauth2-server,
// the Fastify floor). The machine is noisy (20–60 % run to run), so absolute numbers from different runs should
// not be compared; ratios within one run can be.
//
//   node bench/client-credentials.mjs [--alg RS256|ES256|EdDSA|RS256,ES256] [--duration 10] [--connections 50]
//                                     [--warmup 3] [--repeat 3] [--pin] [--peers] [--out DIR]
//
// See bench/README.md for what each step does and how to read the table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as lib from './lib.mjs';
import { benchClientCredentials, CC_BODY as BODY, CC_SCOPE as SCOPE } from './cc.mjs';

const USAGE = `usage: node bench/client-credentials.mjs [--alg RS256|ES256|EdDSA|RS256,ES256] [--duration 10] [--connections 50]
       [--warmup 3] [--repeat 3] [--pin] [--peers] [--peer-targets "floor-form oidc-provider node-oauth2-server"] [--out DIR]`;
const { values: opt } = parseArgs({
  options: {
    alg: { type: 'string', default: 'RS256' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '3' },
    pin: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    'peer-targets': { type: 'string', default: 'floor-form oidc-provider node-oauth2-server' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) { console.log(USAGE); process.exit(0); }

// Bounded inputs: every run must end in a predictable time.
const int = (name, min, max) => {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < min || v > max) { console.error(`--${name} must be an integer in [${min}, ${max}]\n${USAGE}`); process.exit(2); }
  return v;
};
const DURATION = int('duration', 1, 60);
const CONNECTIONS = int('connections', 1, 1000);
const WARMUP = int('warmup', 1, 30);
const REPEAT = int('repeat', 1, 10);
const KNOWN_ALGS = { RS256: 'RS256', ES256: 'ES256', EDDSA: 'EdDSA' }; // Grantry's choices, spelled as JOSE does
const ALGS = [...new Set(opt.alg.split(',').map((a) => KNOWN_ALGS[a.trim().toUpperCase()]))];
if (ALGS.includes(undefined)) { console.error(`--alg: RS256, ES256 or EdDSA (comma-separated to run several)\n${USAGE}`); process.exit(2); }
const PEER_TARGETS = opt['peer-targets'].split(/[\s,]+/).filter(Boolean);
// With --pin: server (and the signing-limit probe) on CPU 0, load generator on CPU 1, i.e. "Grantry on one core".
const SERVER_CPU = opt.pin ? 0 : null;
const LOAD_CPU = opt.pin ? 1 : null;

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const OUT = path.resolve(opt.out ?? path.join(lib.BENCH_DIR, 'results', stamp));

const benchGrantry = (alg) => benchClientCredentials({
  alg, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, connections: CONNECTIONS, duration: DURATION, warmup: WARMUP, repeat: REPEAT, out: OUT,
});

function buildTable(results) {
  const peerNames = Object.keys(results.peers);
  const sign = results.sign_limit ?? {};
  const hasSign = Object.keys(sign).length > 0;
  const pinned = results.settings.pin;
  const header = ['target', 'req/s median (min–max)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'server cores', 'req/server-CPU-s',
    ...(pinned ? ['others on CPU 0'] : []),
    ...(hasSign ? ['× sign limit'] : []), ...peerNames.map((p) => `× ${p}`)];
  const row = (name, s, signAlg) => [
    name,
    `${lib.fmt0(s.rps)} (${lib.fmt0(s.rps_min)}–${lib.fmt0(s.rps_max)})`,
    lib.fmtMs(s.p50), lib.fmtMs(s.p99), String(s.non2xx), String(s.errors), lib.fmt2(s.server_cores), lib.fmt0(s.req_per_server_cpu_s),
    ...(pinned ? [Number.isFinite(s.others_on_server_cpu) ? `${(100 * s.others_on_server_cpu).toFixed(0)} %` : '–'] : []),
    // per core vs per core: requests per server CPU-second over signatures per CPU-second
    ...(hasSign ? [signAlg ? lib.ratio(s.req_per_server_cpu_s, sign[signAlg]) : '–'] : []),
    // same load, same pinning, same run: plain req/s
    ...peerNames.map((p) => lib.ratio(s.rps, results.peers[p].summary.rps)),
  ];
  const rows = [
    ...Object.entries(results.grantry).map(([alg, g]) => row(`**grantry ${alg}**`, g.summary, alg)),
    // the OAuth peers sign RS256; the floor signs nothing
    ...peerNames.map((p) => row(p, results.peers[p].summary, p.startsWith('floor') ? null : 'RS256')),
  ];
  const s = results.settings;
  const lines = [
    `## client_credentials, ${s.pin ? 'pinned (server CPU 0, load CPU 1)' : 'unpinned'} — ${results.machine.date_utc}`,
    '',
    `POST /oauth/token, client_secret_basic, \`${BODY}\`; autocannon c=${s.connections}, ${s.duration} s × ${s.repeat} after a ${s.warmup} s warm-up, medians (non-2xx and errors summed over the runs).`,
    `Machine: ${results.machine.cpu}, Node ${results.machine.node}, OpenSSL ${results.machine.openssl}, autocannon ${results.machine.autocannon}${peerNames.length ? ' (peers: run-peers.sh with its own autocannon)' : ''}.`,
    '',
    lib.markdownTable(header, rows, 'l' + 'r'.repeat(header.length - 1)),
    '',
  ];
  if (pinned) lines.push('others on CPU 0 = share of the server\'s core taken by other processes during the runs (pinning cannot keep them off); high values mean the row is not a clean one-core figure.');
  if (hasSign) lines.push('× sign limit = req/server-CPU-s ÷ node:crypto sync signatures/s on one core for that row\'s algorithm (peers: RS256).');
  if (peerNames.length) lines.push('× peer = req/s ÷ that peer\'s req/s in this run.');
  if (hasSign) lines.push(`Signing limit (sign-limit.mjs, node:crypto sync, 1 core, median): ${Object.entries(sign).map(([a, v]) => `${a} ${lib.fmt0(v)}/s`).join(', ')}.`);
  return lines.join('\n');
}

async function main() {
  lib.installCleanup();
  if (opt.pin) lib.assertCanPin();
  fs.mkdirSync(path.join(OUT, 'raw'), { recursive: true });
  lib.log(`results in ${OUT}`);
  const results = {
    settings: { algs: ALGS, duration: DURATION, connections: CONNECTIONS, warmup: WARMUP, repeat: REPEAT, pin: opt.pin, peers: opt.peers, peer_targets: opt.peers ? PEER_TARGETS : [], scope: SCOPE },
    machine: lib.machineNotes(),
    grantry: {},
    peers: {},
    sign_limit: null,
  };
  // Install the peers first so a broken install fails before minutes of load.
  const peersDir = opt.peers ? await lib.ensurePeers() : null;

  for (const alg of ALGS) results.grantry[alg] = await benchGrantry(alg);

  if (opt.peers) {
    const peersOut = path.join(OUT, 'peers');
    fs.mkdirSync(peersOut, { recursive: true });
    results.peers = await lib.runPeers({ dir: peersDir, targets: PEER_TARGETS, pin: opt.pin, duration: DURATION, warmup: WARMUP, repeat: REPEAT, connections: CONNECTIONS, out: peersOut });
    // The peers sign RS256, so their ratio needs the RS256 limit even when only ES256 was benched. Run with no
    // server up, on one core (the server's core when pinned).
    const signAlgs = [...new Set([...ALGS, ...(Object.keys(results.peers).some((p) => !p.startsWith('floor')) ? ['RS256'] : [])])];
    results.sign_limit = await lib.signLimit({ dir: peersDir, algs: signAlgs, cpu: 0, out: OUT });
  }
  results.machine.loadavg_after = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  const table = buildTable(results);
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(OUT, 'table.md'), table + '\n');
  console.log(table);
  lib.log(`wrote ${path.join(OUT, 'results.json')} and table.md`);
}

try {
  await main();
} finally {
  await lib.stopAll();
}
