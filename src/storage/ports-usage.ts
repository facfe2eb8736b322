/** One hourly total of a dashboard metric (src/metrics/usage.ts). */
export interface UsageCount {
  /** Start of the hour, ms since the epoch. */
  bucket: number;
  metric: string;
  /** '' when the metric has no application. */
  applicationId: string;
  /** grant_type for token_issued, succeeded/failed for webhook_attempt, '' otherwise. */
  detail: string;
  count: number;
}

export interface UsageStore {
  /** Adds the counts to what is stored (an upsert that adds, so concurrent processes never lose counts). */
  add(rows: readonly UsageCount[]): Promise<void>;
  /** The totals with from ≤ bucket < to, ordered by bucket. */
  list(from: number, to: number): Promise<UsageCount[]>;
  /** Deletes totals older than `before` (the purge job's retention). */
  deleteBefore(before: number): Promise<number>;
}
