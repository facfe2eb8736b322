import type { Stores } from '../storage/ports.js';
import { USAGE_BUCKET_MS } from '../metrics/usage.js';
import { invalid } from './problem.js';

export type StatsBucket = 'hour' | 'day';
const BUCKET_MS: Record<StatsBucket, number> = { hour: USAGE_BUCKET_MS, day: 24 * USAGE_BUCKET_MS };
/** Bounds the answer: a month of hours, or a bit more than a year of days. */
const MAX_BUCKETS: Record<StatsBucket, number> = { hour: 24 * 31, day: 400 };
const TOP_APPLICATIONS = 10;

export interface StatsQuery {
  from?: number | undefined;
  to?: number | undefined;
  bucket?: StatsBucket | undefined;
}

export interface StatsPoint {
  at: number;
  tokens: Record<string, number>;
  client_auth_failures: number;
  refresh_reuse_detections: number;
  webhook_attempts_succeeded: number;
  webhook_attempts_failed: number;
}

export interface UsageStats {
  from: number;
  to: number;
  bucket: StatsBucket;
  points: StatsPoint[];
  /** The applications with most tokens issued in the window, with their count per point. */
  applications: { application_id: string; client_id: string | null; name: string | null; total: number; tokens: number[] }[];
  totals: { tokens: Record<string, number>; client_auth_failures: number; refresh_reuse_detections: number; webhook_attempts_succeeded: number; webhook_attempts_failed: number };
}

/**
 * The dashboard's figures over [from, to): every bucket present (zeros included, so charts need no
 * gap handling). Defaults: the last 24 hours by hour, or the last 30 days by day.
 */
export async function usageStats(stores: Pick<Stores, 'usage' | 'applications'>, now: number, q: StatsQuery): Promise<UsageStats> {
  const bucket = q.bucket ?? 'hour';
  const size = BUCKET_MS[bucket];
  const to = Math.ceil((q.to ?? now + 1) / size) * size;
  const from = Math.floor((q.from ?? to - (bucket === 'hour' ? 24 : 30) * size) / size) * size;
  if (from >= to) throw invalid('from', 'must be before to');
  const count = (to - from) / size;
  if (count > MAX_BUCKETS[bucket]) throw invalid('from', `at most ${MAX_BUCKETS[bucket]} ${bucket}s at a time; use bucket=day for longer ranges`);

  const points: StatsPoint[] = Array.from({ length: count }, (_, i) => ({
    at: from + i * size,
    tokens: {},
    client_auth_failures: 0,
    refresh_reuse_detections: 0,
    webhook_attempts_succeeded: 0,
    webhook_attempts_failed: 0,
  }));
  const totals: UsageStats['totals'] = { tokens: {}, client_auth_failures: 0, refresh_reuse_detections: 0, webhook_attempts_succeeded: 0, webhook_attempts_failed: 0 };
  const perApp = new Map<string, number[]>();
  for (const row of await stores.usage.list(from, to)) {
    const i = Math.floor((row.bucket - from) / size);
    const point = points[i];
    if (!point) continue;
    switch (row.metric) {
      case 'token_issued': {
        point.tokens[row.detail] = (point.tokens[row.detail] ?? 0) + row.count;
        totals.tokens[row.detail] = (totals.tokens[row.detail] ?? 0) + row.count;
        let series = perApp.get(row.applicationId);
        if (!series) perApp.set(row.applicationId, (series = new Array<number>(count).fill(0)));
        series[i]! += row.count;
        break;
      }
      case 'client_auth_failed':
        point.client_auth_failures += row.count;
        totals.client_auth_failures += row.count;
        break;
      case 'refresh_reuse_detected':
        point.refresh_reuse_detections += row.count;
        totals.refresh_reuse_detections += row.count;
        break;
      case 'webhook_attempt':
        if (row.detail === 'succeeded') {
          point.webhook_attempts_succeeded += row.count;
          totals.webhook_attempts_succeeded += row.count;
        } else {
          point.webhook_attempts_failed += row.count;
          totals.webhook_attempts_failed += row.count;
        }
        break;
    }
  }
  const top = [...perApp.entries()]
    .map(([id, tokens]) => ({ id, tokens, total: tokens.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id))
    .slice(0, TOP_APPLICATIONS);
  const applications = await Promise.all(
    top.map(async (t) => {
      // A deleted application keeps its history, without a name.
      const app = await stores.applications.get(t.id);
      return { application_id: t.id, client_id: app?.clientId ?? null, name: app?.name ?? null, total: t.total, tokens: t.tokens };
    }),
  );
  return { from, to, bucket, points, applications, totals };
}
