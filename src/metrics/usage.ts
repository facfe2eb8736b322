import type { Clock } from '../domain/clock.js';
import type { Stores } from '../storage/ports.js';
import type { UsageCount } from '../storage/ports.js';

/** What the dashboard charts (GET /api/v1/stats). */
export const USAGE_METRICS = ['token_issued', 'client_auth_failed', 'refresh_reuse_detected', 'webhook_attempt'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

export const USAGE_BUCKET_MS = 3_600_000;

const keyOf = (bucket: number, metric: string, applicationId: string, detail: string): string => `${bucket}\0${metric}\0${applicationId}\0${detail}`;

/**
 * Hourly usage totals for the console's dashboard, kept in the database so every process's traffic
 * adds up and survives restarts (Prometheus counters are per process and start at zero).
 *
 * Recording is a Map increment: the token hot path never waits for the database. Totals are flushed
 * every few seconds as additive upserts (`count = count + n`), so processes never overwrite each other.
 * A process killed with kill -9 loses at most one flush interval of counts: these are statistics, and
 * every security decision (reuse detection, revocation) is in the transactional tables and the audit log.
 */
export class UsageRecorder {
  readonly #pending = new Map<string, UsageCount>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly stores: Pick<Stores, 'usage'>,
    private readonly clock: Clock,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** Adds one to a metric in the current hour; `applicationId` '' when there is none (or it is not trusted). */
  record(metric: UsageMetric, applicationId: string, detail = ''): void {
    // On the token path: a key and a Map lookup; an object only for the first count of a key.
    const bucket = Math.floor(this.clock.now() / USAGE_BUCKET_MS) * USAGE_BUCKET_MS;
    const row = this.#pending.get(keyOf(bucket, metric, applicationId, detail));
    if (row) row.count += 1;
    else this.#add({ bucket, metric, applicationId, detail, count: 1 });
  }

  #add(r: UsageCount): void {
    const key = keyOf(r.bucket, r.metric, r.applicationId, r.detail);
    const row = this.#pending.get(key);
    if (row) row.count += r.count;
    else this.#pending.set(key, r);
  }

  /** Writes what was recorded since the last flush; a failed write keeps the counts for the next one. */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#pending.size === 0) return Promise.resolve();
    const rows = [...this.#pending.values()];
    this.#pending.clear();
    this.#flushing = this.stores.usage
      .add(rows)
      .catch((err: unknown) => {
        for (const r of rows) this.#add(r);
        this.onError(err as Error);
      })
      .finally(() => {
        this.#flushing = null;
      });
    return this.#flushing;
  }

  start(intervalMs: number): void {
    if (this.#timer || intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#flushing;
    await this.flush();
  }
}
