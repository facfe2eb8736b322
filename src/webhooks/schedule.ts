/**
 * The retry schedule of the Standard Webhooks spec ("Delivery" section, example schedule): the delay
 * before each attempt, 10 attempts in all, spanning about three days.
 */
import type { Random } from '../domain/random.js';
import { MAX_DELIVERY_ATTEMPTS } from '../storage/ports-webhooks.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

/** Delay before attempt n+1 (index n): 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const RETRY_SCHEDULE_MS: readonly number[] = [0, 5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H];

/** ±20 % jitter (Svix's JITTER_DELTA) spreads retries of many deliveries that failed together. */
export const JITTER = 0.2;

/** A uniform number in [0, 1) from the injected randomness (tests make it predictable). */
export function unitRandom(random: Random): number {
  return random.bytes(4).readUInt32BE(0) / 2 ** 32;
}

/**
 * The shortest wait after an attempt that says the receiver is overloaded or slow: a timeout, 429 Too
 * Many Requests or 503 Service Unavailable. The schedule's 5-second second step would only add to the
 * load; a minute gives a struggling receiver room (Stripe and Svix back off the same way on these).
 */
export const OVERLOAD_MIN_DELAY_MS = MIN;

/** Outcomes that mean "slow down": the next attempt waits at least OVERLOAD_MIN_DELAY_MS. */
export function isOverloadSignal(statusCode: number | null, errorClass: string | null): boolean {
  return statusCode === 429 || statusCode === 503 || errorClass === 'timeout';
}

/**
 * The wait after the `attempts`-th failed attempt, or null when no attempt is left. `floorMs` (an
 * overloaded receiver) and a `Retry-After` (RFC 9110 §10.2.3) may only lengthen the scheduled wait,
 * never shorten it, and are capped at the schedule's longest step so a receiver cannot park a delivery
 * for months.
 */
export function nextDelay(attempts: number, random: Random, retryAfterMs: number | null = null, floorMs = 0): number | null {
  if (attempts >= MAX_DELIVERY_ATTEMPTS) return null;
  const base = RETRY_SCHEDULE_MS[attempts]!;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * unitRandom(random)));
  const wanted = Math.max(retryAfterMs ?? 0, floorMs);
  if (wanted <= jittered) return jittered;
  return Math.min(wanted, Math.max(jittered, RETRY_SCHEDULE_MS[RETRY_SCHEDULE_MS.length - 1]!));
}

/** Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Null when absent or invalid. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
