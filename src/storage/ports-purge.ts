/**
 * Storage port of the purge job (src/maintenance/purge.ts). Each method is one bounded statement: it
 * deletes at most `limit` rows (a subquery picks their primary keys with LIMIT), so no statement holds
 * locks for long; the caller loops while a batch comes back full. The caller computes the cutoffs (what
 * has expired is policy, not storage). Deletes are idempotent: concurrent runs in several processes
 * only share the work (on PostgreSQL rows another run has locked are skipped, not waited for).
 * Times are epoch milliseconds.
 */
export interface RefreshPurgeCutoffs {
  now: number;
  /** Spent tokens spent before this (and past their successor window) are deleted. */
  spentBefore: number;
  /** Tokens that expired before this are deleted, as are all tokens of a family capped before it. */
  expiredBefore: number;
  /** Tokens and rows of families revoked before this are deleted. */
  revokedBefore: number;
  /** An active family with no token left, unused since before this, is deleted. */
  idleBefore: number;
}

export interface PurgeStore {
  /** Authorization codes that expired before `expiredBefore`, redeemed or not. */
  authorizationCodes(expiredBefore: number, limit: number): Promise<number>;
  /** Revocation records of access tokens that expired before `expiredBefore`. */
  revokedAccessTokens(expiredBefore: number, limit: number): Promise<number>;
  /** Spent, expired and revoked-family refresh tokens (see RefreshPurgeCutoffs). */
  refreshTokens(c: RefreshPurgeCutoffs, limit: number): Promise<number>;
  /**
   * Families with no refresh token left: revoked before `revokedBefore`, or active but unused since
   * `idleBefore`; never while the last access token issued under it may still be live (`now`).
   */
  refreshFamilies(c: RefreshPurgeCutoffs, limit: number): Promise<number>;
  /** Browser sessions that expired before `expiredBefore`. */
  sessions(expiredBefore: number, limit: number): Promise<number>;
  /** Setup links used, or expired before `expiredBefore`. */
  setupTokens(expiredBefore: number, limit: number): Promise<number>;
  /** Sign-in throttle rows whose window started before `windowBefore` and with no lock live at `now`. */
  loginThrottle(windowBefore: number, now: number, limit: number): Promise<number>;
  /** Hourly usage totals of hours that started before `before` (the dashboard's retention). */
  usageCounters(before: number, limit: number): Promise<number>;
  /** Decoupled (CIBA) requests that expired before `expiredBefore`, whatever their status. */
  decoupledRequests(expiredBefore: number, limit: number): Promise<number>;
  /**
   * Finished deliveries (succeeded, failed, cancelled, superseded) completed before `completedBefore`,
   * with their attempt rows, in one atomic step; `limit` counts deliveries. Pending and held ones stay.
   */
  webhookDeliveries(completedBefore: number, now: number, limit: number): Promise<{ deliveries: number; attempts: number }>;
  /** Webhook signing secrets whose rotation overlap ended at or before `now`: erased, not only unused. */
  webhookSecrets(now: number, limit: number): Promise<number>;
}
