// bench/report.mjs — the pure part of `npm run bench` (bench/run.mjs): from the results of one run to the one
// table of figures, ratios, targets and pass/fail. No I/O, no clock, no child processes, so it is unit-tested
// (test/unit/bench-report.test.ts).
//
// Results shape (what run.mjs collects; every part may be missing when it was skipped or failed):
//   sign_limit: { RS256, ES256 }                                  node:crypto sync signatures/s on one core
//   sign_floor: { RS256: { summary }, ES256: { summary } }        sign-floor.mjs (Fastify floor + one signature), pinned
//   peers: { http: { <target>: { summary } }, refresh: { <target>: { summary } } }    run-peers.sh medians
//   cc: { RS256: { summary }, ES256: { summary } }                Grantry client_credentials, 1 worker, pinned
//   rotation: { 'sqlite-RS256' | 'postgres-RS256' | 'sqlite-ES256' | 'sqlite-ES256-reuse' | 'postgres-ES256-reuse':
//               { summary } }                                  Grantry refresh (rotate policy, or reuse), pinned
//   workers: { ES256 | RS256: { one: { summary }, two: { summary } } }               unpinned, --workers 1 vs 2
//   memory: { alg, count, first, rss_first_kib, rss_final_kib, hwm_final_kib, non2xx, errors }
// where a summary is lib.summarize()'s: rps, p50, p99, non2xx, errors, server_cores, req_per_server_cpu_s,
// others_on_server_cpu, …

/** The issue's targets. `of`: what is compared — the row's ratio or its own value. */
export const TARGETS = {
  ccRs256Sign: { op: '>=', value: 0.9, of: 'ratio' },
  ccRs256Oidc: { op: '>=', value: 1.5, of: 'ratio' },
  ccEs256Rps: { op: '>=', value: 8000, of: 'value', unit: 'req/s' },
  ccEs256P99: { op: '<', value: 25, of: 'value', unit: 'ms' },
  rotSqliteRs256Sign: { op: '>=', value: 0.85, of: 'ratio' },
  rotPostgresRs256N2: { op: '>=', value: 1.3, of: 'ratio' },
  rotSqliteEs256Rps: { op: '>=', value: 4000, of: 'value', unit: 'rotations/s' },
  memoryGrowth: { op: '<=', value: 1.2, of: 'ratio' },
};

export const PEER_LABELS = {
  'floor-form': 'Fastify floor',
  'oidc-provider': 'oidc-provider',
  'node-oauth2-server': 'node-oauth2-server',
};

// ---------- numbers ----------
/** a ÷ b when both are finite and b > 0, else null. */
export function ratioOf(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null;
}

const EPS = 1e-9;
/**
 * 'pass' | 'FAIL' | 'n/a' (no figure) | null (no target). `bad` (non-200 answers plus network errors behind the
 * figure) makes a met target a FAIL: a throughput reached with failed requests is not a clean figure.
 */
export function verdict(x, target, bad = 0) {
  if (!target) return null;
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  let ok;
  switch (target.op) {
    case '>=': ok = x >= target.value - EPS; break;
    case '>': ok = x > target.value + EPS; break;
    case '<=': ok = x <= target.value + EPS; break;
    case '<': ok = x < target.value - EPS; break;
    default: throw new Error(`unknown target operator ${target.op}`);
  }
  return ok && !(bad > 0) ? 'pass' : 'FAIL';
}

/** Requests for the memory part: `first` requests, then the rest of `count` in at most `chunks` equal chunks. */
export function memoryPlan(count, first = 10_000, chunks = 20) {
  if (!Number.isInteger(count) || !Number.isInteger(first) || first < 1 || count <= first) throw new Error(`memory: count (${count}) must be an integer above the first checkpoint (${first})`);
  const rest = count - first;
  const n = Math.max(1, Math.min(chunks, Math.ceil(rest / first)));
  const size = Math.ceil(rest / n);
  const plan = [first];
  for (let left = rest; left > 0; left -= size) plan.push(Math.min(size, left));
  return plan;
}

// ---------- formatting ----------
export const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
export const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
export const fmtMiB = (kib) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'n/a');
const fmtMs = (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms` : 'n/a');
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : null);

export function fmtTarget(t) {
  if (!t) return '–';
  const op = { '>=': '≥', '>': '>', '<=': '≤', '<': '<' }[t.op];
  return t.of === 'ratio' ? `${op} ${t.value.toFixed(2)}×` : `${op} ${fmtInt(t.value)} ${t.unit}`;
}

const badCount = (s) => (s ? (s.non2xx || 0) + (s.errors || 0) : null);
const fmtBad = (s) => (s ? `${s.non2xx ?? 0}${s.errors ? ` + ${s.errors} net` : ''}` : '–');

// ---------- rows ----------
/**
 * One row: a Grantry figure, optionally against an anchor (ratio = figure ÷ anchor), optionally with a target.
 * Everything the table shows is here, unformatted, so results.json holds the same numbers.
 */
function row({ part, figure, value, unit, anchorName = null, anchorValue = null, anchorUnit = unit, target = null, summary = null, notes = [] }) {
  const ratio = anchorName ? ratioOf(value, anchorValue) : null;
  const bad = badCount(summary);
  const compared = target ? (target.of === 'ratio' ? ratio : value) : null;
  return {
    part, figure,
    value: Number.isFinite(value) ? value : null, unit,
    anchor: anchorName ? { name: anchorName, value: Number.isFinite(anchorValue) ? anchorValue : null, unit: anchorUnit } : null,
    ratio,
    target,
    verdict: verdict(compared, target, bad ?? 0),
    non200: summary ? summary.non2xx ?? 0 : null,
    net_errors: summary ? summary.errors ?? 0 : null,
    bad_text: fmtBad(summary),
    notes: notes.filter(Boolean).join('; '),
  };
}

function cpuNotes(s, { pinned = true } = {}) {
  if (!s) return [];
  return [
    Number.isFinite(s.server_cores) ? `server cores ${s.server_cores.toFixed(2)}` : null,
    pinned && pct(s.others_on_server_cpu) ? `others on CPU 0 ${pct(s.others_on_server_cpu)}` : null,
  ];
}

/** Every row of the table, in the issue's order, for the parts present in `results`. */
export function buildRows(results) {
  const rows = [];
  const sign = results.sign_limit ?? {};
  const floor = results.sign_floor ?? {};
  /** The row against floor+signature of `alg`, when it was measured: what Grantry's own work costs. */
  const floorRow = (part, alg, s, unit) =>
    floor[alg] && row({
      part, figure: `vs floor + signature ${alg} (the ceiling)`, value: s.rps, unit, anchorName: `floor+sign ${alg}`, anchorValue: floor[alg].summary.rps,
      summary: s, notes: [badCount(floor[alg].summary) ? `floor+signature non-2xx ${fmtBad(floor[alg].summary)}` : null],
    });
  const peersHttp = results.peers?.http ?? {};
  const peersRot = results.peers?.refresh ?? {};
  const c = results.settings?.connections ?? 50;
  const chains = results.settings?.chains ?? 50;

  // client_credentials, one worker, pinned
  for (const alg of ['RS256', 'ES256']) {
    const g = results.cc?.[alg];
    if (!g) continue;
    const s = g.summary;
    const part = `client_credentials ${alg}, 1 core, c=${c}`;
    const perCpu = ratioOf(s.req_per_server_cpu_s, sign[alg]);
    rows.push(row({
      part, figure: `vs signing limit ${alg} (1 core)`, value: s.rps, unit: 'req/s', anchorName: `sign ${alg}`, anchorValue: sign[alg], anchorUnit: 'sign/s',
      target: alg === 'RS256' ? TARGETS.ccRs256Sign : null, summary: s,
      notes: [perCpu !== null ? `per server CPU-s ${fmtRatio(perCpu)}` : null, ...cpuNotes(s)],
    }));
    const ceiling = floorRow(part, alg, s, 'req/s');
    if (ceiling) rows.push(ceiling);
    for (const peer of ['oidc-provider', 'node-oauth2-server', 'floor-form']) {
      const target = alg === 'RS256' && peer === 'oidc-provider' ? TARGETS.ccRs256Oidc : null;
      // a row with a target is always shown (n/a without the peer); the others only when the peer was run
      if (!target && !(peer in peersHttp) && !results.settings?.peer_targets?.includes(peer)) continue;
      rows.push(row({
        part, figure: `vs ${PEER_LABELS[peer]}`, value: s.rps, unit: 'req/s', anchorName: PEER_LABELS[peer], anchorValue: peersHttp[peer]?.summary.rps,
        target, summary: s,
        notes: [peersHttp[peer] && badCount(peersHttp[peer].summary) ? `${PEER_LABELS[peer]} non-2xx ${fmtBad(peersHttp[peer].summary)}` : null],
      }));
    }
    if (alg === 'ES256') {
      rows.push(row({ part, figure: 'throughput', value: s.rps, unit: 'req/s', target: TARGETS.ccEs256Rps, summary: s, notes: [`min–max ${fmtInt(s.rps_min)}–${fmtInt(s.rps_max)}`] }));
      rows.push(row({ part, figure: `p99 latency at c=${c}`, value: s.p99, unit: 'ms', target: TARGETS.ccEs256P99, summary: s, notes: [Number.isFinite(s.p50) ? `p50 ${fmtMs(s.p50)}` : null, 'autocannon reports whole ms'] }));
    }
  }

  // refresh rotation, pinned
  const ROT = [
    ['sqlite-RS256', 'SQLite', 'RS256', TARGETS.rotSqliteRs256Sign, null, null],
    ['postgres-RS256', 'PostgreSQL', 'RS256', null, TARGETS.rotPostgresRs256N2, null],
    ['sqlite-ES256', 'SQLite', 'ES256', null, null, TARGETS.rotSqliteEs256Rps],
  ];
  for (const [key, store, alg, signTarget, n2Target, rpsTarget] of ROT) {
    const g = results.rotation?.[key];
    if (!g) continue;
    const s = g.summary;
    const part = `rotation ${alg} ${store}, 1 core, ${chains} chains`;
    if (rpsTarget) rows.push(row({ part, figure: 'throughput', value: s.rps, unit: 'rotations/s', target: rpsTarget, summary: s, notes: [`p99 ${fmtMs(s.p99)}`, ...cpuNotes(s)] }));
    const perCpu = ratioOf(s.req_per_server_cpu_s, sign[alg]);
    rows.push(row({
      part, figure: `vs signing limit ${alg} (1 core)`, value: s.rps, unit: 'rotations/s', anchorName: `sign ${alg}`, anchorValue: sign[alg], anchorUnit: 'sign/s',
      target: signTarget, summary: s,
      notes: [perCpu !== null ? `per server CPU-s ${fmtRatio(perCpu)}` : null, ...(rpsTarget ? [] : [`p99 ${fmtMs(s.p99)}`, ...cpuNotes(s)]),
        Number.isFinite(s.extra_cores) ? `PostgreSQL backends ${s.extra_cores.toFixed(2)} cores` : null,
        s.dead_chains ? `dead chains ${s.dead_chains}` : null],
    }));
    const ceiling = floorRow(part, alg, s, 'rotations/s');
    if (ceiling) rows.push(ceiling);
    for (const peer of ['oidc-provider', 'node-oauth2-server']) {
      const target = peer === 'node-oauth2-server' ? n2Target : null;
      if (!target && !(peer in peersRot) && !results.settings?.peer_targets?.includes(peer)) continue;
      rows.push(row({
        part, figure: `vs ${PEER_LABELS[peer]} rotation`, value: s.rps, unit: 'rotations/s', anchorName: `${PEER_LABELS[peer]} (in-memory, RS256)`,
        anchorValue: peersRot[peer]?.summary.rps, target, summary: s,
      }));
    }
  }

  // the reuse policy (the partner default): no target, reported next to the ceiling
  for (const [key, store] of [['sqlite-ES256-reuse', 'SQLite'], ['postgres-ES256-reuse', 'PostgreSQL']]) {
    const g = results.rotation?.[key];
    if (!g) continue;
    const s = g.summary;
    const part = `refresh, reuse policy, ES256 ${store}, 1 core, ${chains} chains`;
    rows.push(row({ part, figure: 'throughput', value: s.rps, unit: 'refreshes/s', summary: s,
      notes: [`p99 ${fmtMs(s.p99)}`, ...cpuNotes(s), Number.isFinite(s.extra_cores) ? `PostgreSQL backends ${s.extra_cores.toFixed(2)} cores` : null] }));
    const ceiling = floorRow(part, 'ES256', s, 'refreshes/s');
    if (ceiling) rows.push(ceiling);
  }

  // --workers 2 vs 1, unpinned
  for (const alg of ['ES256', 'RS256']) {
    const w = results.workers?.[alg];
    if (!w) continue;
    const one = w.one?.summary, two = w.two?.summary;
    rows.push(row({
      part: `client_credentials ${alg}, --workers 2, unpinned`, figure: 'scaling vs 1 worker (unpinned)', value: two?.rps, unit: 'req/s',
      anchorName: '1 worker', anchorValue: one?.rps, summary: two && one ? { non2xx: (two.non2xx || 0) + (one.non2xx || 0), errors: (two.errors || 0) + (one.errors || 0) } : two ?? one,
      notes: [Number.isFinite(two?.server_cores) ? `2 workers: server cores ${two.server_cores.toFixed(2)}` : null,
        Number.isFinite(one?.server_cores) ? `1 worker: server cores ${one.server_cores.toFixed(2)}` : null, 'load generator shares both cores'],
    }));
  }

  // memory
  const m = results.memory;
  if (m) {
    rows.push(row({
      part: `memory, client_credentials ${m.alg}`, figure: `RSS after ${fmtInt(m.count)} vs after ${fmtInt(m.first)} requests`, value: m.rss_final_kib, unit: 'KiB',
      anchorName: `after ${fmtInt(m.first)}`, anchorValue: m.rss_first_kib, target: TARGETS.memoryGrowth,
      summary: { non2xx: m.non2xx ?? 0, errors: m.errors ?? 0 },
      notes: [Number.isFinite(m.hwm_final_kib) ? `peak (VmHWM) ${fmtMiB(m.hwm_final_kib)}` : null, m.samples ? `${m.samples} RSS samples in results.json` : null],
    }));
  }
  return rows;
}

function fmtValue(x, unit) {
  if (unit === 'KiB') return fmtMiB(x);
  if (unit === 'ms') return fmtMs(x);
  return Number.isFinite(x) ? `${fmtInt(x)} ${unit}` : 'n/a';
}

const VERDICT_TEXT = { pass: 'pass', FAIL: '**FAIL**', 'n/a': 'n/a' };

/** The one markdown table. */
export function renderTable(rows) {
  const header = ['part', 'figure', 'Grantry', 'anchor', 'ratio', 'target', 'pass/fail', 'non-200', 'notes'];
  const body = rows.map((r) => [
    r.part,
    r.figure,
    fmtValue(r.value, r.unit),
    r.anchor ? `${r.anchor.name}: ${fmtValue(r.anchor.value, r.anchor.unit)}` : '–',
    r.anchor ? fmtRatio(r.ratio) : '–',
    fmtTarget(r.target),
    r.verdict ? VERDICT_TEXT[r.verdict] : '–',
    r.bad_text,
    r.notes || '',
  ]);
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  const align = ['---', '---', '---:', '---:', '---:', '---', '---', '---:', '---'];
  return [header.join(' | '), align.join(' | '), ...body.map((r) => r.map(esc).join(' | '))].map((l) => `| ${l} |`).join('\n');
}

/** Counts of verdicts over the rows that carry a target. */
export function tally(rows) {
  const t = { targets: 0, pass: 0, fail: 0, na: 0 };
  for (const r of rows) {
    if (!r.verdict) continue;
    t.targets++;
    if (r.verdict === 'pass') t.pass++;
    else if (r.verdict === 'FAIL') t.fail++;
    else t.na++;
  }
  return t;
}

/** Heading, settings line, the table, the tally and the anchors: what `npm run bench` prints and table.md holds. */
export function renderReport(results, rows = buildRows(results)) {
  const s = results.settings ?? {};
  const m = results.machine ?? {};
  const t = tally(rows);
  const lines = [
    `## Grantry benchmark — ${m.date_utc ?? ''}`.trimEnd(),
    '',
  ];
  if (s.quick) lines.push('**--quick: a smoke run of the harness (short runs, small counts); the figures are not measurements.**', '');
  lines.push(
    `Pinned parts: Grantry on CPU 0 (taskset), load generator on CPU 1; c=${s.connections ?? 50}, ${s.chains ?? 50} rotation chains, ` +
      `${s.duration ?? '?'} s × ${s.repeat ?? '?'} after a ${s.warmup ?? '?'} s warm-up, medians; peers and signing limit from the same run. ` +
      `Machine: ${m.cpu ?? '?'}, Node ${m.node ?? '?'}.`,
    '',
    renderTable(rows),
    '',
    `Targets: ${t.pass} of ${t.targets} met, ${t.fail} not met${t.na ? `, ${t.na} n/a (part skipped or failed)` : ''}.`,
  );
  const sign = results.sign_limit;
  if (sign && Object.keys(sign).length) lines.push(`Signing limit (sign-limit.mjs, node:crypto sync, CPU 0, median): ${Object.entries(sign).map(([a, v]) => `${a} ${fmtInt(v)}/s`).join(', ')}.`);
  const floor = Object.entries(results.sign_floor ?? {});
  if (floor.length) lines.push(`Floor + signature (sign-floor.mjs: the Fastify floor plus one signature per request, pinned as Grantry): ${floor.map(([a, v]) => `${a} ${fmtInt(v.summary.rps)} req/s`).join(', ')}${sign ? ` (${floor.map(([a, v]) => `${a} ${fmtRatio(ratioOf(v.summary.rps, sign[a]))} of the signing limit`).join(', ')})` : ''}.`);
  const ph = results.peers?.http ?? {}, pr = results.peers?.refresh ?? {};
  const peerBits = [
    ...Object.entries(ph).map(([k, v]) => `${PEER_LABELS[k] ?? k} ${fmtInt(v.summary.rps)} req/s`),
    ...Object.entries(pr).map(([k, v]) => `${PEER_LABELS[k] ?? k} rotation ${fmtInt(v.summary.rps)}/s`),
  ];
  if (peerBits.length) lines.push(`Peers (run-peers.sh, same pinning): ${peerBits.join(', ')}.`);
  const failed = Object.entries(results.failures ?? {});
  if (failed.length) lines.push('', 'Parts that failed (their rows are missing or n/a):', ...failed.map(([k, v]) => `- ${k}: ${String(v).split('\n')[0].slice(0, 300)}`));
  return lines.join('\n');
}
