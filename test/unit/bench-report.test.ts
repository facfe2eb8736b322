import { describe, expect, it } from 'vitest';
import {
  TARGETS, buildRows, fmtTarget, memoryPlan, ratioOf, renderReport, renderTable, tally, verdict,
  type BenchResults, type Row, type Summary,
} from '../../bench/report.mjs';

// The pure part of `npm run bench` (bench/run.mjs): rows, ratios, targets, pass/fail and the table. No load is run.

const s = (rps: number, extra: Partial<Summary> = {}): { summary: Summary } => ({
  summary: { rps, rps_min: rps, rps_max: rps, p50: 5, p99: 20, non2xx: 0, errors: 0, server_cores: 1, req_per_server_cpu_s: rps, others_on_server_cpu: 0.02, ...extra },
});

/** A complete run where every target is exactly met or comfortably beaten. */
function fullRun(): BenchResults {
  return {
    settings: { connections: 50, chains: 50, duration: 10, repeat: 3, warmup: 3, peer_targets: ['floor-form', 'oidc-provider', 'node-oauth2-server'] },
    machine: { date_utc: '2026-01-01T00:00:00.000Z', cpu: 'test cpu x 2', node: 'v20' },
    sign_limit: { RS256: 2000, ES256: 20000 },
    sign_floor: { RS256: s(1900), ES256: s(12000) },
    peers: {
      http: { 'floor-form': s(20000), 'oidc-provider': s(1200), 'node-oauth2-server': s(1500) },
      refresh: { 'oidc-provider': s(800), 'node-oauth2-server': s(1000) },
    },
    cc: { RS256: s(1800), ES256: s(8000, { p99: 24 }) },
    rotation: { 'sqlite-RS256': s(1700), 'postgres-RS256': s(1300, { extra_cores: 0.5 }), 'sqlite-ES256': s(4000), 'sqlite-ES256-reuse': s(6000), 'postgres-ES256-reuse': s(3000, { extra_cores: 0.4 }) },
    workers: { ES256: { one: s(7000), two: s(11200) }, RS256: { one: s(1800), two: s(3000) } },
    memory: { alg: 'ES256', count: 1_000_000, first: 10_000, rss_first_kib: 100_000, rss_final_kib: 120_000, hwm_final_kib: 125_000, non2xx: 0, errors: 0, samples: 200 },
  };
}

const find = (rows: Row[], part: RegExp, figure: RegExp): Row => {
  const r = rows.filter((x) => part.test(x.part) && figure.test(x.figure));
  expect(r, `one row for ${part} / ${figure}`).toHaveLength(1);
  return r[0]!;
};

describe('ratioOf', () => {
  it('divides finite numbers and refuses a missing or zero anchor', () => {
    expect(ratioOf(1800, 2000)).toBeCloseTo(0.9, 12);
    expect(ratioOf(1, 0)).toBeNull();
    expect(ratioOf(1, null)).toBeNull();
    expect(ratioOf(undefined, 5)).toBeNull();
    expect(ratioOf(Number.NaN, 5)).toBeNull();
  });
});

describe('verdict', () => {
  it('applies each operator with the boundary on the right side', () => {
    expect(verdict(0.9, { op: '>=', value: 0.9, of: 'ratio' })).toBe('pass');
    expect(verdict(0.8999, { op: '>=', value: 0.9, of: 'ratio' })).toBe('FAIL');
    expect(verdict(25, { op: '<', value: 25, of: 'value' })).toBe('FAIL');
    expect(verdict(24.99, { op: '<', value: 25, of: 'value' })).toBe('pass');
    expect(verdict(1.2, { op: '<=', value: 1.2, of: 'ratio' })).toBe('pass');
    expect(verdict(1.21, { op: '<=', value: 1.2, of: 'ratio' })).toBe('FAIL');
    expect(verdict(3, { op: '>', value: 3, of: 'value' })).toBe('FAIL');
  });
  it('is n/a without a figure, null without a target', () => {
    expect(verdict(null, TARGETS.ccEs256Rps)).toBe('n/a');
    expect(verdict(Number.NaN, TARGETS.ccEs256Rps)).toBe('n/a');
    expect(verdict(5, null)).toBeNull();
  });
  it('fails a met target when requests behind the figure failed', () => {
    expect(verdict(9000, TARGETS.ccEs256Rps, 0)).toBe('pass');
    expect(verdict(9000, TARGETS.ccEs256Rps, 3)).toBe('FAIL');
  });
});

describe('the targets of the issue', () => {
  it('are the documented thresholds', () => {
    expect(fmtTarget(TARGETS.ccRs256Sign)).toBe('≥ 0.90×');
    expect(fmtTarget(TARGETS.ccRs256Oidc)).toBe('≥ 1.50×');
    expect(fmtTarget(TARGETS.ccEs256Rps)).toBe('≥ 8,000 req/s');
    expect(fmtTarget(TARGETS.ccEs256P99)).toBe('< 25 ms');
    expect(fmtTarget(TARGETS.rotSqliteRs256Sign)).toBe('≥ 0.85×');
    expect(fmtTarget(TARGETS.rotPostgresRs256N2)).toBe('≥ 1.30×');
    expect(fmtTarget(TARGETS.rotSqliteEs256Rps)).toBe('≥ 4,000 rotations/s');
    expect(fmtTarget(TARGETS.memoryGrowth)).toBe('≤ 1.20×');
    expect(fmtTarget(null)).toBe('–');
  });
});

describe('buildRows', () => {
  it('computes every ratio against the anchor of the same run and passes targets met exactly', () => {
    const rows = buildRows(fullRun());
    const ccSign = find(rows, /client_credentials RS256, 1 core/, /signing limit/);
    expect(ccSign.ratio).toBeCloseTo(0.9, 12);
    expect(ccSign.verdict).toBe('pass');
    const ccOidc = find(rows, /client_credentials RS256, 1 core/, /vs oidc-provider/);
    expect(ccOidc.ratio).toBeCloseTo(1.5, 12);
    expect(ccOidc.verdict).toBe('pass');
    expect(find(rows, /client_credentials RS256, 1 core/, /node-oauth2-server/).ratio).toBeCloseTo(1.2, 12);
    expect(find(rows, /client_credentials RS256, 1 core/, /Fastify floor/).ratio).toBeCloseTo(0.09, 12);
    expect(find(rows, /client_credentials ES256, 1 core/, /signing limit/).ratio).toBeCloseTo(0.4, 12);
    // The ceiling (floor + one signature, same algorithm): a figure without a target.
    const ccCeiling = find(rows, /client_credentials RS256, 1 core/, /floor \+ signature RS256/);
    expect(ccCeiling.ratio).toBeCloseTo(1800 / 1900, 12);
    expect(ccCeiling.verdict).toBeNull();
    expect(find(rows, /client_credentials ES256, 1 core/, /floor \+ signature ES256/).ratio).toBeCloseTo(8000 / 12000, 12);
    expect(find(rows, /rotation RS256 PostgreSQL/, /floor \+ signature RS256/).ratio).toBeCloseTo(1300 / 1900, 12);
    expect(find(rows, /rotation ES256 SQLite/, /floor \+ signature ES256/).ratio).toBeCloseTo(4000 / 12000, 12);
    // The reuse policy: throughput and the ceiling, no target.
    const reuse = find(rows, /reuse policy, ES256 PostgreSQL/, /^throughput/);
    expect([reuse.value, reuse.verdict]).toEqual([3000, null]);
    expect(reuse.notes).toContain('PostgreSQL backends 0.40 cores');
    expect(find(rows, /reuse policy, ES256 SQLite/, /floor \+ signature ES256/).ratio).toBeCloseTo(6000 / 12000, 12);
    expect(find(rows, /client_credentials ES256, 1 core/, /^throughput/).verdict).toBe('pass');
    expect(find(rows, /client_credentials ES256, 1 core/, /p99/).verdict).toBe('pass');

    const rotSign = find(rows, /rotation RS256 SQLite/, /signing limit/);
    expect(rotSign.ratio).toBeCloseTo(0.85, 12);
    expect(rotSign.verdict).toBe('pass');
    const pgN2 = find(rows, /rotation RS256 PostgreSQL/, /node-oauth2-server rotation/);
    expect(pgN2.ratio).toBeCloseTo(1.3, 12); // against the peer's rotation figure, not its client_credentials
    expect(pgN2.verdict).toBe('pass');
    expect(find(rows, /rotation RS256 PostgreSQL/, /oidc-provider rotation/).ratio).toBeCloseTo(1.625, 12);
    expect(find(rows, /rotation ES256 SQLite/, /^throughput/).verdict).toBe('pass');
    expect(find(rows, /rotation ES256 SQLite/, /signing limit/).ratio).toBeCloseTo(0.2, 12);

    const scaling = find(rows, /ES256, --workers 2/, /scaling/);
    expect(scaling.ratio).toBeCloseTo(1.6, 12);
    expect(scaling.verdict).toBeNull(); // the issue sets no target for the scaling factor
    expect(find(rows, /RS256, --workers 2/, /scaling/).ratio).toBeCloseTo(3000 / 1800, 12);

    const mem = find(rows, /memory/, /RSS/);
    expect(mem.ratio).toBeCloseTo(1.2, 12);
    expect(mem.verdict).toBe('pass');

    expect(tally(rows)).toEqual({ targets: 8, pass: 8, fail: 0, na: 0 });
  });

  it('fails each target just below its threshold', () => {
    const r = fullRun();
    r.cc!.RS256 = s(1799);                                    // 0.8995× sign, 1.499× oidc-provider
    r.cc!.ES256 = s(7999, { p99: 25 });                       // below 8,000 req/s; p99 not under 25 ms
    r.rotation!['sqlite-RS256'] = s(1699);                    // 0.8495× sign
    r.rotation!['postgres-RS256'] = s(1299);                  // 1.299× node-oauth2-server rotation
    r.rotation!['sqlite-ES256'] = s(3999);
    r.memory = { ...r.memory!, rss_final_kib: 120_001 };      // 20.001 % growth
    const rows = buildRows(r);
    expect(rows.filter((x) => x.target).map((x) => [x.part, x.figure, x.verdict]).filter(([, , v]) => v !== 'FAIL')).toEqual([]);
    expect(tally(rows)).toEqual({ targets: 8, pass: 0, fail: 8, na: 0 });
  });

  it('marks a figure with non-200 answers as failed and shows the count', () => {
    const r = fullRun();
    r.rotation!['sqlite-ES256'] = s(5000, { non2xx: 7, errors: 1 });
    const rows = buildRows(r);
    const row = find(rows, /rotation ES256 SQLite/, /^throughput/);
    expect(row.verdict).toBe('FAIL');
    expect(row.non200).toBe(7);
    expect(row.bad_text).toBe('7 + 1 net');
    expect(renderTable([row])).toContain('| 7 + 1 net |');
  });

  it('shows targets whose anchor is missing as n/a, and leaves out parts that were not run', () => {
    const r = fullRun();
    r.sign_limit = null;
    delete r.sign_floor;
    r.peers = { http: {}, refresh: {} };
    r.settings!.peer_targets = [];
    delete r.workers;
    r.memory = null;
    const rows = buildRows(r);
    expect(find(rows, /client_credentials RS256, 1 core/, /signing limit/).verdict).toBe('n/a');
    expect(find(rows, /client_credentials RS256, 1 core/, /oidc-provider/).verdict).toBe('n/a');
    expect(find(rows, /rotation RS256 PostgreSQL/, /node-oauth2-server rotation/).verdict).toBe('n/a');
    expect(rows.some((x) => /Fastify floor/.test(x.figure))).toBe(false); // no target, peer not run: no row
    expect(rows.some((x) => /floor \+ signature/.test(x.figure))).toBe(false); // not measured: no row
    expect(rows.some((x) => /workers|memory/.test(x.part))).toBe(false);
    expect(find(rows, /client_credentials ES256, 1 core/, /^throughput/).verdict).toBe('pass'); // needs no anchor
    expect(tally(rows)).toEqual({ targets: 7, pass: 3, fail: 0, na: 4 });
  });
});

describe('renderTable / renderReport', () => {
  it('prints one markdown table with a row per figure and the verdicts', () => {
    const r = fullRun();
    r.cc!.ES256 = s(4000, { p99: 30 });
    const rows = buildRows(r);
    const table = renderTable(rows);
    const lines = table.split('\n');
    expect(lines[0]).toBe('| part | figure | Grantry | anchor | ratio | target | pass/fail | non-200 | notes |');
    expect(lines).toHaveLength(rows.length + 2);
    for (const l of lines) expect(l.split(/(?<!\\)\|/).length).toBe(11); // 9 cells, no stray pipes
    expect(table).toContain('| client_credentials RS256, 1 core, c=50 | vs signing limit RS256 (1 core) | 1,800 req/s | sign RS256: 2,000 sign/s | 0.90× | ≥ 0.90× | pass | 0 |');
    expect(table).toContain('| throughput | 4,000 req/s | – | – | ≥ 8,000 req/s | **FAIL** |');
    expect(table).toContain('| p99 latency at c=50 | 30.0 ms | – | – | < 25 ms | **FAIL** |');
    expect(table).toContain('| RSS after 1,000,000 vs after 10,000 requests | 117.2 MiB | after 10,000: 97.7 MiB | 1.20× | ≤ 1.20× | pass |');

    const report = renderReport(r, rows);
    expect(report.match(/^\| part \|/gm)).toHaveLength(1); // ONE table
    expect(report).toContain('Targets: 6 of 8 met, 2 not met.');
    expect(report).toContain('Signing limit (sign-limit.mjs, node:crypto sync, CPU 0, median): RS256 2,000/s, ES256 20,000/s.');
    expect(report).toContain('Floor + signature (sign-floor.mjs: the Fastify floor plus one signature per request, pinned as Grantry): RS256 1,900 req/s, ES256 12,000 req/s (RS256 0.95× of the signing limit, ES256 0.60× of the signing limit).');
    expect(report).not.toContain('--quick');
  });

  it('says when the run was a --quick smoke run, and lists failed parts', () => {
    const r = fullRun();
    r.settings!.quick = true;
    r.failures = { rotation: 'Error: PostgreSQL is not reachable\n    at stack' };
    const report = renderReport(r);
    expect(report).toContain('--quick: a smoke run');
    expect(report).toContain('- rotation: Error: PostgreSQL is not reachable');
    expect(report).not.toContain('at stack');
  });
});

describe('memoryPlan', () => {
  it('measures after the first 10,000 requests, then covers the rest in at most 20 chunks', () => {
    const plan = memoryPlan(1_000_000);
    expect(plan[0]).toBe(10_000);
    expect(plan.reduce((a, b) => a + b, 0)).toBe(1_000_000);
    expect(plan.length).toBeLessThanOrEqual(21);
    expect(memoryPlan(20_000)).toEqual([10_000, 10_000]);
    expect(memoryPlan(25_000).reduce((a, b) => a + b, 0)).toBe(25_000);
    expect(memoryPlan(1_234_567, 10_000, 7).reduce((a, b) => a + b, 0)).toBe(1_234_567);
  });
  it('refuses a count that does not go past the first checkpoint', () => {
    expect(() => memoryPlan(10_000)).toThrow(/above the first checkpoint/);
    expect(() => memoryPlan(1.5e4 + 0.5)).toThrow();
  });
});
