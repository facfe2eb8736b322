import type { Runtime } from '../runtime.js';
import { PurgeJob, purgePolicyFrom, type PurgeLog, type PurgeOptions } from './purge.js';

/** The purge settings of a runtime's configuration (used by `grantry serve` and `grantry purge`). */
export function purgeOptionsFor(rt: Pick<Runtime, 'stores' | 'clock' | 'config'>, log?: PurgeLog): PurgeOptions {
  return { store: rt.stores.purge, clock: rt.clock, policy: purgePolicyFrom(rt.config), batchSize: rt.config.purgeBatchSize, ...(log ? { log } : {}) };
}

/**
 * The job `grantry serve` runs in every process, or null when GRANTRY_PURGE_INTERVAL is 0. The first
 * run comes at a random moment within min(interval, 5 minutes) of start, so processes started together
 * do not purge together and a process restarted more often than the interval still purges.
 */
export function purgeJobFor(rt: Pick<Runtime, 'stores' | 'clock' | 'config' | 'random'>, log?: PurgeLog): PurgeJob | null {
  const intervalMs = rt.config.purgeInterval * 1000;
  if (intervalMs <= 0) return null;
  const spread = Math.min(intervalMs, 300_000);
  const initialDelayMs = rt.random.bytes(4).readUInt32BE(0) % spread;
  return new PurgeJob({ ...purgeOptionsFor(rt, log), intervalMs, initialDelayMs });
}
