/**
 * The outbox worker: claims due deliveries, sends them, records each attempt and completes the
 * delivery. Several Grantry processes may run one each on a PostgreSQL database: claims use FOR
 * UPDATE SKIP LOCKED plus a lease, so an attempt is sent by one worker only, and a crashed worker's
 * claim is picked up again once its lease expires.
 *
 * At most 10 attempts (Standard Webhooks example schedule): the count is incremented when an attempt
 * is claimed, in the claim transaction, so a crash between sending and recording still spends it and
 * no crash sequence can produce an 11th attempt.
 */
import type { SecretBox } from '../crypto/secret-box.js';
import type { Clock } from '../domain/clock.js';
import { newId, type Random } from '../domain/random.js';
import { appendAudit } from '../storage/audit.js';
import type { Stores } from '../storage/ports.js';
import { MAX_DELIVERY_ATTEMPTS, type DisabledReason, type WebhookDelivery, type WebhookSubscription } from '../storage/ports-webhooks.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import type { UsageRecorder } from '../metrics/usage.js';
import { destinationPolicyFor, type DestinationPolicy, type Resolver } from './destination.js';
import { payloadContext } from './enqueue.js';
import { OVERLOAD_MIN_DELAY_MS, isOverloadSignal, nextDelay, parseRetryAfter } from './schedule.js';
import { secretContext, signMessage } from './signing.js';
import { httpTransport, type SendResult, type Transport } from './transport.js';

/**
 * Called once, in the transaction that marks a delivery `failed` after its 10th failed attempt (or
 * after the lease of its 10th attempt expired). The installation code passes one that revokes the
 * undelivered refresh token and flags the installation. `delivery` is the row as updated (status
 * failed, payload erased); `tx` are stores bound to that transaction. Throwing rolls the completion back.
 */
export type OnExhausted = (delivery: WebhookDelivery, tx: Stores) => Promise<void>;

export type WorkerLog = (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string) => void;

/** Called after the transaction that disabled an endpoint by itself (410 Gone, or failing too long) committed. */
export type OnEndpointDisabled = (subscription: WebhookSubscription, reason: Exclude<DisabledReason, 'admin'>) => void;

/**
 * A rate-limited endpoint's sends are paced by slots reserved in the database (shared by every worker),
 * at most this far ahead; a worker waits for its slot while holding the claim.
 */
export const PACE_HORIZON_MS = 1000;
/**
 * How late after its slot a paced send may still go out. Slots are spaced (1000 + this) / rate_limit
 * ms apart, so even a send this late keeps every 1-second window at rate_limit sends or fewer; a
 * later wake-up (a stalled event loop) reserves a new slot instead of sending.
 */
export const PACE_LATENESS_MS = 25;

export interface WebhookWorkerOptions {
  stores: Stores;
  box: SecretBox;
  clock: Clock;
  random: Random;
  policy: DestinationPolicy;
  onExhausted: OnExhausted;
  /** Identifies this worker's leases; random by default. */
  workerId?: string;
  /** Deliveries claimed per batch (sent concurrently). */
  batchSize?: number;
  leaseMs?: number;
  /** Total time an attempt may take (default 15 s). */
  timeoutMs?: number;
  pollIntervalMs?: number;
  /** Replaces the HTTP sender (tests). */
  transport?: Transport;
  log?: WorkerLog;
  /** Called once per completed attempt (metrics). */
  onAttempt?: (result: SendResult, delivery: WebhookDelivery) => void;
  /**
   * An endpoint that has had only failed attempts for this long is disabled with reason `failing`
   * (its deliveries are held until it is re-enabled). 0 = never.
   */
  failingDisableAfterMs?: number;
  onEndpointDisabled?: OnEndpointDisabled;
  /** Waits before a paced send (tests replace it). */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_LEASE_MS = 60_000;

/** URL, pacing and unexpired signing secrets (newest first) of a subscription, read and opened once per batch. */
interface Target {
  sub: WebhookSubscription;
  secrets: string[];
}

type Resolved = Required<Omit<WebhookWorkerOptions, 'transport' | 'log' | 'workerId' | 'onAttempt' | 'onEndpointDisabled' | 'sleep'>> & {
  transport: Transport;
  log: WorkerLog;
  onAttempt: (r: SendResult, d: WebhookDelivery) => void;
  onEndpointDisabled: OnEndpointDisabled;
  sleep: (ms: number) => Promise<void>;
};

/** An endpoint this worker disabled while completing an attempt (recorded once the attempt is settled). */
interface DisabledHere {
  sub: WebhookSubscription;
  reason: 'gone' | 'failing';
  /** Pending deliveries held by the disable, this attempt's own included. */
  held: number;
  failingSince: number | null;
}

export class WebhookWorker {
  readonly workerId: string;
  readonly #o: Resolved;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #inFlight: Promise<unknown> | null = null;

  constructor(options: WebhookWorkerOptions) {
    this.workerId = options.workerId ?? newId('wkr', options.clock.now(), options.random);
    this.#o = {
      batchSize: 10,
      leaseMs: DEFAULT_LEASE_MS,
      timeoutMs: 15_000,
      pollIntervalMs: 500,
      failingDisableAfterMs: 0,
      ...options,
      transport: options.transport ?? httpTransport({ policy: options.policy, timeoutMs: options.timeoutMs ?? 15_000 }),
      log: options.log ?? (() => {}),
      onAttempt: options.onAttempt ?? (() => {}),
      onEndpointDisabled: options.onEndpointDisabled ?? (() => {}),
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
    // A claim must outlast the longest wait for a send slot plus the send itself, or another worker
    // would claim the delivery again while it is still being sent.
    if (this.#o.timeoutMs + 3 * PACE_HORIZON_MS >= this.#o.leaseMs) throw new Error('the webhook lease must outlast the send timeout plus 3 s of pacing');
  }

  /** Claims and delivers one batch; returns how many deliveries were attempted. */
  async runOnce(): Promise<number> {
    const { stores, clock } = this.#o;
    const now = clock.now();
    if (!(await stores.webhooks.hasDue(now))) return 0;
    await this.#failAbandoned(now);
    const claimed = await stores.transaction(async (tx) => {
      const rows = await tx.webhooks.claimDue({ workerId: this.workerId, now, leaseUntil: now + this.#o.leaseMs, limit: this.#o.batchSize, paceHorizonMs: PACE_HORIZON_MS });
      // A lower in-progress attempt of a re-claimed row belonged to a worker whose lease expired.
      await tx.webhooks.abandonAttempts(rows.filter((r) => r.attempts > 1).map((r) => r.id));
      const attemptIds = new Map<string, string>();
      for (const r of rows) {
        const id = newId('wha', now, this.#o.random);
        attemptIds.set(r.id, id);
        await tx.webhooks.insertAttempt({ id, deliveryId: r.id, attempt: r.attempts, startedAt: now, durationMs: null, statusCode: null, errorClass: null, outcome: 'in_progress' });
      }
      return rows.map((d) => ({ d, attemptId: attemptIds.get(d.id)! }));
    });
    const targets = new Map<string, Promise<Target | null>>();
    await Promise.all(
      claimed.map(async ({ d, attemptId }) => {
        try {
          if (!targets.has(d.subscriptionId)) targets.set(d.subscriptionId, this.#target(d.subscriptionId));
          await this.#deliver(d, attemptId, await targets.get(d.subscriptionId)!);
        } catch (err) {
          // The lease expires and the delivery is claimed again (that attempt stays spent).
          this.#o.log('error', { delivery_id: d.id, err: (err as Error).message }, 'webhook delivery could not be completed');
        }
      }),
    );
    return claimed.length;
  }

  /** Polls every pollIntervalMs (at once again after a full batch). The timer does not keep the process alive. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = async () => {
      this.#timer = null;
      let n = 0;
      try {
        const run = this.runOnce();
        this.#inFlight = run;
        n = await run;
      } catch (err) {
        this.#o.log('warn', { err: (err as Error).message }, 'webhook worker poll failed');
      } finally {
        this.#inFlight = null;
      }
      if (!this.#running) return;
      this.#timer = setTimeout(() => void tick(), n >= this.#o.batchSize ? 0 : this.#o.pollIntervalMs);
      this.#timer.unref();
    };
    this.#timer = setTimeout(() => void tick(), 0);
    this.#timer.unref();
  }

  /** Stops polling and waits for the sends in flight to be recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight?.catch(() => {});
  }

  async #failAbandoned(now: number): Promise<void> {
    await this.#o.stores.transaction(async (tx) => {
      const failed = await tx.webhooks.failAbandonedExhausted(now, this.#o.batchSize);
      await tx.webhooks.abandonAttempts(failed.map((d) => d.id));
      for (const d of failed) await this.#o.onExhausted(d, tx);
    });
  }

  // Read at every claim, never cached longer: an edit (URL, rate, a rotated secret) reaches the next batch.
  async #target(subscriptionId: string): Promise<Target | null> {
    const { stores, box, clock } = this.#o;
    const sub = await stores.webhooks.getSubscription(subscriptionId);
    if (!sub) return null;
    const now = clock.now();
    // Unexpired only: once a rotation's overlap ends the previous secret signs nothing (the purge erases it).
    const live = (await stores.webhooks.listSecrets(sub.id)).filter((s) => s.expiresAt === null || s.expiresAt > now);
    return { sub, secrets: live.map((s) => box.decrypt(s.sealedSecret, secretContext(sub.id)).toString('utf8')) };
  }

  /**
   * Waits for a send slot of a rate-limited endpoint. False when the delivery was given back instead
   * (no slot within the horizon): it is due again when one frees up, with no attempt spent.
   */
  async #pace(d: WebhookDelivery, attemptId: string, sub: WebhookSubscription): Promise<boolean> {
    const { stores, clock } = this.#o;
    const interval = Math.ceil((1000 + PACE_LATENESS_MS) / sub.rateLimit!);
    let dueAgain = clock.now() + PACE_HORIZON_MS;
    for (let tries = 0; tries < 3; tries++) {
      const now = clock.now();
      const r = await stores.webhooks.reserveSendSlot(sub.id, now, interval, PACE_HORIZON_MS);
      if ('notBefore' in r) {
        dueAgain = Math.max(r.notBefore, now);
        break;
      }
      if (r.slot > now) await this.#o.sleep(r.slot - now);
      if (clock.now() <= r.slot + PACE_LATENESS_MS) return true;
    }
    const now = clock.now();
    await stores.webhooks.releaseClaim(d.id, { workerId: this.workerId, attempts: d.attempts, attemptId, nextAttemptAt: Math.max(dueAgain, now), now });
    return false;
  }

  async #deliver(d: WebhookDelivery, attemptId: string, target: Target | null): Promise<void> {
    const { clock, stores } = this.#o;
    if (!target || d.sealedPayload === null) {
      // The subscription was deleted (or the payload erased) since the claim: nothing can be sent.
      await stores.transaction(async (tx) => {
        await tx.webhooks.updateAttempt(attemptId, { durationMs: 0, statusCode: null, errorClass: null, outcome: 'abandoned' });
        const now = clock.now();
        await tx.webhooks.updateDelivery(d.id, { status: 'cancelled', erasePayload: true, clearLease: true, completedAt: now, updatedAt: now, lastError: 'subscription_deleted' });
      });
      return;
    }
    if (target.secrets.length === 0) {
      // Only possible if every secret row was removed by hand: nothing to sign with. The lease expires
      // and the delivery is tried again (a new secret can be created by rotating).
      throw new Error(`webhook subscription ${target.sub.id} has no signing secret`);
    }
    if (target.sub.rateLimit !== null && !(await this.#pace(d, attemptId, target.sub))) return;
    const body = this.#o.box.decrypt(d.sealedPayload, payloadContext(d.id)).toString('utf8');
    const startedAt = clock.now();
    const headers = signMessage(target.secrets, d.messageId, startedAt, body);
    const result = await this.#o.transport({ url: target.sub.url, headers: { ...headers }, body });
    this.#o.onAttempt(result, d);
    await this.#complete(d, attemptId, result, startedAt);
  }

  async #complete(claimed: WebhookDelivery, attemptId: string, r: SendResult, startedAt: number): Promise<void> {
    const { clock, stores, random } = this.#o;
    const disabled: DisabledHere[] = [];
    await stores.transaction(async (tx) => {
      disabled.length = 0;
      const ended = await this.#settle(tx, claimed, attemptId, r, startedAt, disabled);
      for (const x of disabled) {
        await appendAudit(tx, random, clock.now(), {
          actor: 'system',
          action: 'webhook.subscription_disabled',
          target: { type: 'webhook_subscription', id: x.sub.id },
          // This attempt's own delivery was held with the rest, unless it just spent its last attempt.
          data: { application_id: x.sub.applicationId, reason: x.reason, held: x.held - (ended === 'failed' ? 1 : 0), failing_since: x.failingSince, last_status_code: r.statusCode, last_error: r.errorClass },
        });
      }
    });
    for (const { sub, reason } of disabled) {
      this.#o.log('warn', { subscription_id: sub.id, application_id: sub.applicationId, reason }, 'webhook endpoint disabled');
      this.#o.onEndpointDisabled(sub, reason);
    }
  }

  /** Records the attempt and decides the delivery's next state, in the completion transaction; returns what became of it. */
  async #settle(
    tx: Stores,
    claimed: WebhookDelivery,
    attemptId: string,
    r: SendResult,
    startedAt: number,
    disabled: DisabledHere[],
  ): Promise<'lost' | 'unchanged' | 'succeeded' | 'failed' | 'held' | 'retry'> {
    const { clock, random } = this.#o;
    const now = clock.now();
    await tx.webhooks.updateAttempt(attemptId, { startedAt, durationMs: r.durationMs, statusCode: r.statusCode, errorClass: r.errorClass, outcome: r.ok ? 'succeeded' : 'failed' });
    // The endpoint's health counts every attempt, also one whose delivery was completed elsewhere. A
    // success on a healthy endpoint matches no row: no write, no lock on the hot path.
    const failingSince = await tx.webhooks.recordEndpointResult(claimed.subscriptionId, r.ok, now);
    const sub = r.ok ? null : await tx.webhooks.getSubscription(claimed.subscriptionId);
    if (sub && sub.disabledAt === null) {
      // Standard Webhooks: 410 Gone means the endpoint is gone for good. An endpoint with only
      // failures for failingDisableAfterMs is presumed dead too (Stripe and Svix disable after days).
      const reason = r.statusCode === 410 ? 'gone' : failingSince !== null && this.#o.failingDisableAfterMs > 0 && now - failingSince >= this.#o.failingDisableAfterMs ? 'failing' : null;
      // Several attempts of one batch complete at once: only the one that disables it records it.
      const held = reason ? await tx.webhooks.disableSubscription(sub.id, now, reason) : null;
      if (reason && held !== null) disabled.push({ sub: { ...sub, disabledAt: now, disabledReason: reason }, reason, held, failingSince });
    }
    const d = await tx.webhooks.getDelivery(claimed.id, { forUpdate: true });
    // The attempt count is the fencing token of a claim: a different count or owner means our lease
    // expired and another worker claimed it; it completes the delivery, we only record our attempt.
    if (!d || d.leasedBy !== this.workerId || d.attempts !== claimed.attempts) return 'lost';
    const last = { lastStatusCode: r.statusCode, lastError: r.errorClass, clearLease: true, updatedAt: now } as const;
    this.#o.log(r.ok ? 'info' : 'warn', { delivery_id: d.id, attempt: d.attempts, status: r.statusCode, error: r.errorClass, ms: r.durationMs }, 'webhook attempt');
    if (d.status !== 'pending' && d.status !== 'held') {
      // Cancelled or superseded while in flight: it stays so.
      await tx.webhooks.updateDelivery(d.id, last);
      return 'unchanged';
    }
    if (r.ok) {
      await tx.webhooks.updateDelivery(d.id, { ...last, status: 'succeeded', erasePayload: true, completedAt: now });
      return 'succeeded';
    }
    if (d.attempts >= MAX_DELIVERY_ATTEMPTS) {
      await tx.webhooks.updateDelivery(d.id, { ...last, status: 'failed', erasePayload: true, completedAt: now });
      await this.#o.onExhausted({ ...d, status: 'failed', sealedPayload: null, completedAt: now, leaseUntil: null, leasedBy: null, lastStatusCode: r.statusCode, lastError: r.errorClass, updatedAt: now }, tx);
      return 'failed';
    }
    // A disabled endpoint's messages are held (not dropped) until someone re-enables it.
    if (disabled.length > 0 || d.status === 'held') {
      await tx.webhooks.updateDelivery(d.id, { ...last, status: 'held' });
      return 'held';
    }
    const floor = isOverloadSignal(r.statusCode, r.errorClass) ? OVERLOAD_MIN_DELAY_MS : 0;
    const delay = nextDelay(d.attempts, random, parseRetryAfter(r.retryAfter, now), floor)!;
    await tx.webhooks.updateDelivery(d.id, { ...last, nextAttemptAt: now + delay });
    return 'retry';
  }
}

/**
 * The parts of a runtime the served worker is built from. Named here rather than taken from
 * src/runtime.ts: the runtime builds the worker, so the worker must not depend on the runtime.
 */
export interface WorkerParts {
  stores: Stores;
  box: SecretBox;
  clock: Clock;
  random: Random;
  config: Pick<Config, 'production' | 'webhookAllowedNetworks' | 'webhookLease' | 'webhookFailingDisableAfter'>;
  metrics: Pick<Metrics, 'webhookAttempts' | 'webhookEndpointsDisabled'>;
  usage: Pick<UsageRecorder, 'record'>;
}

/** The worker `grantry serve` runs, built from the runtime's parts. */
export function webhookWorkerFor(
  rt: WorkerParts,
  options: { onExhausted: OnExhausted; log?: WorkerLog; resolver?: Resolver } & Partial<Pick<WebhookWorkerOptions, 'timeoutMs' | 'pollIntervalMs' | 'batchSize' | 'workerId' | 'onAttempt' | 'sleep'>>,
): WebhookWorker {
  const { resolver, ...rest } = options;
  return new WebhookWorker({
    stores: rt.stores,
    box: rt.box,
    clock: rt.clock,
    random: rt.random,
    policy: destinationPolicyFor(rt.config, resolver),
    leaseMs: rt.config.webhookLease * 1000,
    failingDisableAfterMs: rt.config.webhookFailingDisableAfter * 1000,
    onAttempt: (r, d) => {
      rt.metrics.webhookAttempts.inc({ outcome: r.ok ? 'succeeded' : 'failed', error_class: r.errorClass ?? 'none' });
      rt.usage.record('webhook_attempt', d.applicationId, r.ok ? 'succeeded' : 'failed');
    },
    onEndpointDisabled: (_sub, reason) => rt.metrics.webhookEndpointsDisabled.inc({ reason }),
    ...rest,
  });
}

