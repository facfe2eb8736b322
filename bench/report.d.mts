// Types for bench/report.mjs (used by test/unit/bench-report.test.ts).
export interface Target { op: '>=' | '>' | '<=' | '<'; value: number; of: 'ratio' | 'value'; unit?: string }
export type Verdict = 'pass' | 'FAIL' | 'n/a';

export interface Summary {
  rps: number; rps_min?: number; rps_max?: number; p50?: number; p99?: number;
  non2xx?: number; errors?: number; server_cores?: number | null; req_per_server_cpu_s?: number | null;
  others_on_server_cpu?: number | null; extra_cores?: number | null; dead_chains?: number;
}
export interface WithSummary { summary: Summary; [k: string]: unknown }
export interface MemoryResult {
  alg: string; count: number; first: number; rss_first_kib: number; rss_final_kib: number; hwm_final_kib?: number;
  non2xx?: number; errors?: number; samples?: number; [k: string]: unknown;
}
export interface BenchResults {
  settings?: { quick?: boolean; connections?: number; chains?: number; duration?: number; repeat?: number; warmup?: number; peer_targets?: string[]; [k: string]: unknown };
  machine?: { date_utc?: string; cpu?: string; node?: string; [k: string]: unknown };
  sign_limit?: Partial<Record<'RS256' | 'ES256', number>> | null;
  sign_floor?: Partial<Record<'RS256' | 'ES256', WithSummary>>;
  peers?: { http?: Record<string, WithSummary>; refresh?: Record<string, WithSummary> };
  cc?: Partial<Record<'RS256' | 'ES256', WithSummary>>;
  rotation?: Partial<Record<'sqlite-RS256' | 'postgres-RS256' | 'sqlite-ES256' | 'sqlite-ES256-reuse' | 'postgres-ES256-reuse', WithSummary>>;
  workers?: Partial<Record<'RS256' | 'ES256', { one?: WithSummary; two?: WithSummary }>>;
  memory?: MemoryResult | null;
  failures?: Record<string, string>;
}
export interface Row {
  part: string; figure: string; value: number | null; unit: string;
  anchor: { name: string; value: number | null; unit: string } | null;
  ratio: number | null; target: Target | null; verdict: Verdict | null;
  non200: number | null; net_errors: number | null; bad_text: string; notes: string;
}

export const TARGETS: {
  ccRs256Sign: Target; ccRs256Oidc: Target; ccEs256Rps: Target; ccEs256P99: Target;
  rotSqliteRs256Sign: Target; rotPostgresRs256N2: Target; rotSqliteEs256Rps: Target; memoryGrowth: Target;
};
export const PEER_LABELS: Record<string, string>;
export function ratioOf(a: number | null | undefined, b: number | null | undefined): number | null;
export function verdict(x: number | null | undefined, target: Target | null, bad?: number): Verdict | null;
export function memoryPlan(count: number, first?: number, chunks?: number): number[];
export function fmtInt(x: number | null | undefined): string;
export function fmtRatio(x: number | null | undefined): string;
export function fmtMiB(kib: number | null | undefined): string;
export function fmtTarget(t: Target | null): string;
export function buildRows(results: BenchResults): Row[];
export function renderTable(rows: Row[]): string;
export function tally(rows: Row[]): { targets: number; pass: number; fail: number; na: number };
export function renderReport(results: BenchResults, rows?: Row[]): string;
