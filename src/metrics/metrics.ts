import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics, on a registry of their own so several apps in one process (tests) do not clash. */
export class Metrics {
  readonly registry = new Registry();

  readonly tokenRequests = new Counter({
    name: 'grantry_token_requests_total',
    help: 'Token endpoint requests by grant type and outcome (ok or the OAuth error code).',
    labelNames: ['grant_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly tokenDuration = new Histogram({
    name: 'grantry_token_request_duration_seconds',
    help: 'Token endpoint latency, from routing to the response being handed to the socket.',
    labelNames: ['grant_type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly clientAuthFailures = new Counter({
    name: 'grantry_client_auth_failures_total',
    help: 'Failed client authentications (invalid_client answers).',
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'grantry_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (succeeded, failed) and error class (http_status, timeout, ...).',
    labelNames: ['outcome', 'error_class'] as const,
    registers: [this.registry],
  });

  readonly webhookEndpointsDisabled = new Counter({
    name: 'grantry_webhook_endpoints_disabled_total',
    help: 'Webhook endpoints disabled by Grantry itself, by reason: gone (the receiver answered 410) or failing (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  // Label lookups hash the label set on every call; children bound once per label set skip that.
  readonly #requestChildren = new Map<string, { inc(): void }>();
  readonly #durationChildren = new Map<string, { observe(v: number): void }>();

  /** One token request: its grant, outcome (`ok` or the OAuth error code) and duration. */
  recordTokenRequest(grantType: string, outcome: string, seconds: number): void {
    const key = `${grantType}\0${outcome}`;
    let counter = this.#requestChildren.get(key);
    if (!counter) this.#requestChildren.set(key, (counter = this.tokenRequests.labels(grantType, outcome)));
    counter.inc();
    let histogram = this.#durationChildren.get(grantType);
    if (!histogram) this.#durationChildren.set(grantType, (histogram = this.tokenDuration.labels(grantType)));
    histogram.observe(seconds);
    if (outcome === 'invalid_client') this.clientAuthFailures.inc();
  }

  constructor(poolStats: () => { total: number; idle: number; waiting: number } | null) {
    collectDefaultMetrics({ register: this.registry, prefix: 'grantry_process_' });
    const pool = (field: 'total' | 'idle' | 'waiting') =>
      function (this: Gauge) {
        const stats = poolStats();
        if (stats) this.set(stats[field]);
      };
    new Gauge({ name: 'grantry_db_pool_connections', help: 'Database pool connections (PostgreSQL).', registers: [this.registry], collect: pool('total') });
    new Gauge({ name: 'grantry_db_pool_idle', help: 'Idle database pool connections (PostgreSQL).', registers: [this.registry], collect: pool('idle') });
    new Gauge({ name: 'grantry_db_pool_waiting', help: 'Queries waiting for a database connection (PostgreSQL).', registers: [this.registry], collect: pool('waiting') });
  }
}
