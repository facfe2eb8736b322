import { describe, expect, it } from 'vitest';
import { RETRY_SCHEDULE_MS, nextDelay, parseRetryAfter } from '../../../src/webhooks/schedule.js';
import { fixedJitter } from '../../helpers/webhooks.js';
import { loadConfig } from '../../../src/config/load.js';

describe('webhook retry schedule', () => {
  it('is the Standard Webhooks example schedule: 10 attempts', () => {
    expect(RETRY_SCHEDULE_MS.map((ms) => ms / 1000)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
  });

  it('waits the scheduled time ±20 %, and nothing after the 10th attempt', () => {
    expect(nextDelay(1, fixedJitter(0.5))).toBe(5000);
    expect(nextDelay(1, fixedJitter(0))).toBe(4000);
    expect(nextDelay(1, fixedJitter(0.9999999))).toBe(6000);
    expect(nextDelay(9, fixedJitter(0.5))).toBe(86_400_000);
    expect(nextDelay(10, fixedJitter(0.5))).toBeNull();
  });

  it('lets Retry-After lengthen a wait but never shorten it, capped at 24 h', () => {
    expect(nextDelay(1, fixedJitter(0.5), 60_000)).toBe(60_000);
    expect(nextDelay(3, fixedJitter(0.5), 1000)).toBe(1_800_000);
    expect(nextDelay(1, fixedJitter(0.5), 365 * 86_400_000)).toBe(86_400_000);
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it('reads GRANTRY_WEBHOOK_ALLOWED_NETWORKS as a list of CIDRs', () => {
    expect(loadConfig({ GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8, 10.0.0.0/8' }).webhookAllowedNetworks).toEqual(['127.0.0.0/8', '10.0.0.0/8']);
    expect(loadConfig({}).webhookAllowedNetworks).toEqual([]);
    expect(() => loadConfig({ GRANTRY_WEBHOOK_ALLOWED_NETWORKS: 'localhost' })).toThrow(/GRANTRY_WEBHOOK_ALLOWED_NETWORKS/);
  });
});
