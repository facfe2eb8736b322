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
 * The wait after the `attempts`-th failed attempt, or null when no attempt is left. A `Retry-After`
 * (RFC 9110 §10.2.3) may only lengthen the scheduled wait, never shorten it, and is capped at the
 * schedule's longest step so a receiver cannot park a delivery for months.
 */
export function nextDelay(attempts: number, random: Random, retryAfterMs: number | null = null): number | null {
  if (attempts >= MAX_DELIVERY_ATTEMPTS) return null;
  const base = RETRY_SCHEDULE_MS[attempts]!;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * unitRandom(random)));
  if (retryAfterMs === null || retryAfterMs <= jittered) return jittered;
  return Math.min(retryAfterMs, Math.max(jittered, RETRY_SCHEDULE_MS[RETRY_SCHEDULE_MS.length - 1]!));
}

/** Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Null when absent or invalid. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
