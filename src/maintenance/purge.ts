/**
 * The purge job: deletes rows that no rule of the server will ever read again, so tables do not grow
 * with traffic. What has expired is decided here (cutoffs from the injected clock and the settings);
 * the store runs one bounded DELETE per call, and each table is drained batch by batch until a batch
 * comes back short or the per-run cap is reached (the rest waits for the next run).
 *
 * Every server process runs one on a timer; runs in several processes at once are harmless: a DELETE
 * of rows that are already gone deletes nothing, and on PostgreSQL concurrent runs skip each other's
 * locked rows. Audit events are never purged (docs/operations.md, "Retention and purging").
 */
import type { Clock } from '../domain/clock.js';
import type { PurgeStore, RefreshPurgeCutoffs } from '../storage/ports-purge.js';
import { THROTTLE } from '../protocol/sessions.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * An authorization code is kept 10 minutes past its expiry, redeemed or not. Until then a replay of a
 * redeemed code is still recognised as a replay (RFC 6749 §4.1.2: the tokens issued from it are
 * revoked), also when the replay comes shortly after the code's own 10-minute life ended; once the row
 * is gone the replay only gets invalid_grant.
 */
export const CODE_KEEP_AFTER_EXPIRY_MS = 10 * MINUTE;
/**
 * A revocation record matters until the access token's `exp` (later, the JWT fails verification by
 * itself). Five more minutes cover clock differences between the processes sharing the database.
 */
export const REVOCATION_KEEP_AFTER_EXPIRY_MS = 5 * MINUTE;
/** Decoupled requests live at most a day (GRANTRY_DECOUPLED_REQUEST_TTL); their rows a day longer, for the console's history. */
export const DECOUPLED_KEEP_AFTER_EXPIRY_MS = DAY;

/** Rows deleted per table in one run (webhook_attempts: deleted with their deliveries). */
export interface PurgeCounts {
  authorization_codes: number;
  revoked_access_tokens: number;
  refresh_tokens: number;
  refresh_families: number;
  sessions: number;
  setup_tokens: number;
  login_throttle: number;
  decoupled_requests: number;
  usage_counters: number;
  webhook_deliveries: number;
  webhook_attempts: number;
  webhook_secrets: number;
}

export type PurgeTable = keyof PurgeCounts;

export interface PurgeResult {
  counts: PurgeCounts;
  /** Tables that reached the per-run cap: more rows are due and the next run continues. */
  capped: PurgeTable[];
  /** Tables whose purge failed this run (the others still ran), with the error message. */
  errors: { table: PurgeTable; error: string }[];
  /** The run's clock reading, from which every cutoff was computed. */
  at: number;
}

export interface PurgePolicy {
  /** GRANTRY_PURGE_SPENT_REFRESH_AFTER in ms: how long spent, expired and revoked refresh tokens stay. */
  spentRefreshAfterMs: number;
  /** GRANTRY_WEBHOOK_LOG_RETENTION in ms: how long finished deliveries and their attempts stay. */
  webhookLogRetentionMs: number;
  /** GRANTRY_MAX_ACCESS_TOKEN_TTL in ms: an idle family outlives every access token it issued. */
  maxAccessTokenTtlMs: number;
  /** GRANTRY_USAGE_RETENTION in ms: how long the dashboard's hourly totals stay. */
  usageRetentionMs: number;
}

export type PurgeLog = (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string) => void;

export interface PurgeOptions {
  store: PurgeStore;
  clock: Clock;
  policy: PurgePolicy;
  /** Rows per DELETE statement (GRANTRY_PURGE_BATCH_SIZE). */
  batchSize?: number;
  /** Rows per table per run; the rest is left for the next run. */
  maxRowsPerTable?: number;
  log?: PurgeLog;
}

export const DEFAULT_PURGE_BATCH_SIZE = 500;
export const DEFAULT_MAX_ROWS_PER_TABLE = 100_000;

export const emptyCounts = (): PurgeCounts => ({
  authorization_codes: 0,
  revoked_access_tokens: 0,
  refresh_tokens: 0,
  refresh_families: 0,
  sessions: 0,
  setup_tokens: 0,
  login_throttle: 0,
  decoupled_requests: 0,
  usage_counters: 0,
  webhook_deliveries: 0,
  webhook_attempts: 0,
  webhook_secrets: 0,
});

/** The policy the configuration describes. */
export function purgePolicyFrom(config: { purgeSpentRefreshAfter: number; webhookLogRetention: number; maxAccessTokenTtl: number; usageRetention: number }): PurgePolicy {
  return {
    usageRetentionMs: config.usageRetention * 1000,
    spentRefreshAfterMs: config.purgeSpentRefreshAfter * 1000,
    webhookLogRetentionMs: config.webhookLogRetention * 1000,
    maxAccessTokenTtlMs: config.maxAccessTokenTtl * 1000,
  };
}

/** One run over every table; never throws for a table's failure (it is reported in `errors`). */
export async function purgeOnce(options: PurgeOptions): Promise<PurgeResult> {
  const { store, clock, policy } = options;
  const batchSize = options.batchSize ?? DEFAULT_PURGE_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const maxBatches = Math.max(1, Math.ceil((options.maxRowsPerTable ?? DEFAULT_MAX_ROWS_PER_TABLE) / batchSize));
  const now = clock.now();
  const refresh: RefreshPurgeCutoffs = {
    now,
    // A spent token presented again revokes its family (RFC 9700 §4.14.2), but only while its row
    // exists: this retention is how long reuse detection keeps working after a rotation.
    spentBefore: now - policy.spentRefreshAfterMs,
    expiredBefore: now - policy.spentRefreshAfterMs,
    revokedBefore: now - policy.spentRefreshAfterMs,
    idleBefore: now - Math.max(policy.spentRefreshAfterMs, policy.maxAccessTokenTtlMs),
  };
  const result: PurgeResult = { counts: emptyCounts(), capped: [], errors: [], at: now };

  /** Deletes batch after batch until one comes back short (nothing more is due) or the cap is hit. */
  const drain = async (table: PurgeTable, step: () => Promise<number>): Promise<void> => {
    try {
      for (let i = 0; i < maxBatches; i++) {
        const n = await step();
        result.counts[table] += n;
        if (n < batchSize) return;
      }
      result.capped.push(table);
    } catch (err) {
      result.errors.push({ table, error: (err as Error).message });
    }
  };

  await drain('authorization_codes', () => store.authorizationCodes(now - CODE_KEEP_AFTER_EXPIRY_MS, batchSize));
  await drain('revoked_access_tokens', () => store.revokedAccessTokens(now - REVOCATION_KEEP_AFTER_EXPIRY_MS, batchSize));
  // Tokens before families: a family is deleted only once no token references it.
  await drain('refresh_tokens', () => store.refreshTokens(refresh, batchSize));
  await drain('refresh_families', () => store.refreshFamilies(refresh, batchSize));
  await drain('sessions', () => store.sessions(now, batchSize));
  await drain('setup_tokens', () => store.setupTokens(now, batchSize));
  // A throttle row counts failures within a 15-minute window; an older one with no live lock counts
  // nothing (the next failure would start a new window anyway).
  await drain('login_throttle', () => store.loginThrottle(now - THROTTLE.windowMs, now, batchSize));
  await drain('decoupled_requests', () => store.decoupledRequests(now - DECOUPLED_KEEP_AFTER_EXPIRY_MS, batchSize));
  await drain('usage_counters', () => store.usageCounters(now - policy.usageRetentionMs, batchSize));
  await drain('webhook_deliveries', async () => {
    const r = await store.webhookDeliveries(now - policy.webhookLogRetentionMs, now, batchSize);
    result.counts.webhook_attempts += r.attempts;
    return r.deliveries;
  });
  // A rotated-out signing secret stops signing when its overlap ends (the worker reads only unexpired
  // ones); here it is erased, so a database copy taken later does not hold it.
  await drain('webhook_secrets', () => store.webhookSecrets(now, batchSize));
  return result;
}

export const totalDeleted = (counts: PurgeCounts): number => Object.values(counts).reduce((a, b) => a + b, 0);

export interface PurgeJobOptions extends PurgeOptions {
  /** Time between the end of one run and the start of the next (GRANTRY_PURGE_INTERVAL). */
  intervalMs: number;
  /** Delay of the first run after start (spread out, so processes started together do not run together). */
  initialDelayMs?: number;
}

/** Runs purgeOnce on a timer: one info line per run that deleted something, a warning per failure. */
export class PurgeJob {
  readonly #o: PurgeJobOptions;
  readonly #log: PurgeLog;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #inFlight: Promise<PurgeResult> | null = null;

  constructor(options: PurgeJobOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError('the purge interval must be positive (a disabled job is simply not started)');
    this.#o = options;
    this.#log = options.log ?? (() => {});
  }

  /** One run, logged. A run already in flight is joined rather than started twice. */
  runOnce(): Promise<PurgeResult> {
    this.#inFlight ??= (async () => {
      try {
        const started = performance.now();
        const r = await purgeOnce(this.#o);
        for (const e of r.errors) this.#log('warn', { table: e.table, err: e.error }, 'purge: deleting expired rows failed; the next run retries');
        const total = totalDeleted(r.counts);
        if (total > 0) {
          const deleted = Object.fromEntries(Object.entries(r.counts).filter(([, n]) => n > 0));
          this.#log('info', { deleted, total, ...(r.capped.length ? { capped: r.capped } : {}), ms: Math.round(performance.now() - started) }, 'purge: deleted expired rows');
        }
        return r;
      } finally {
        this.#inFlight = null;
      }
    })();
    return this.#inFlight;
  }

  /** Starts the timer; it does not keep the process alive. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const schedule = (ms: number) => {
      this.#timer = setTimeout(() => void tick(), ms);
      this.#timer.unref();
    };
    const tick = async () => {
      this.#timer = null;
      let capped = false;
      try {
        capped = (await this.runOnce()).capped.length > 0;
      } catch (err) {
        this.#log('warn', { err: (err as Error).message }, 'purge run failed; the next run retries');
      }
      // A capped run had more to do: continue after a short pause rather than a whole interval.
      if (this.#running) schedule(capped ? Math.min(this.#o.intervalMs, 1000) : this.#o.intervalMs);
    };
    schedule(this.#o.initialDelayMs ?? this.#o.intervalMs);
  }

  /** Stops the timer and waits for a run in flight to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight?.catch(() => {});
  }
}
