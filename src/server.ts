import { ensureConsoleApplication } from './admin/bootstrap.js';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { loadMasterKey } from './crypto/master-key.js';
import { createRuntime, type Runtime } from './runtime.js';
import { buildApp } from './app.js';
import { webhookWorkerFor } from './webhooks/worker.js';
import { onCredentialsUndeliverable } from './admin/installations.js';
import { purgeJobFor } from './maintenance/purge-job.js';

/** pino options shared by the server and its start-up messages. Secrets are never logged; redaction is a second net. */
export function loggerOptions(config: Config): Record<string, unknown> {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', '*.client_secret', '*.refresh_token', '*.access_token', '*.password'], censor: '[redacted]' },
  };
}

export interface RunningServer {
  app: FastifyInstance;
  rt: Runtime;
  url: string;
  stop(): Promise<void>;
}

/** Starts Grantry: master key, database (migrated), keys, HTTP. Used by `grantry serve`. */
export async function startServer(config: Config, log: Logger = pino(loggerOptions(config))): Promise<RunningServer> {
  const master = loadMasterKey(config);
  if (master.warning) log.warn(master.warning);
  const rt = await createRuntime({
    config,
    masterKey: master.key,
    watchChanges: true,
    onChangeFeedError: (err) => log.warn({ err: err.message }, 'change feed: other processes\' changes are seen within the cache TTLs until it recovers'),
    onUsageFlushError: (err) => log.warn({ err: err.message }, 'writing the dashboard\'s usage totals failed; they are kept for the next write'),
    backgroundCheckpoints: { onError: (err) => log.warn({ err: err.message }, 'a background WAL checkpoint failed; the next one runs on time, and commits checkpoint themselves past the WAL bound') },
  });
  // The console's client follows GRANTRY_ISSUER (its redirect URI); before `grantry init` there is none.
  let app: FastifyInstance;
  try {
    await ensureConsoleApplication(rt.admin('system'), { maxAccessTokenTtl: config.maxAccessTokenTtl }, config.issuer);
    app = await buildApp(rt, { logger: { ...loggerOptions(config) } });
  } catch (err) {
    await rt.close();
    throw err;
  }
  // Keys rotated by another process or the CLI are picked up well before they start signing.
  const reload = setInterval(() => {
    rt.keys.load().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'reloading signing keys failed'));
  }, config.keyRefreshInterval * 1000);
  reload.unref();
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    clearInterval(reload);
    await app.close();
    await rt.close();
    throw err;
  }
  // The webhook outbox worker (src/webhooks/worker.ts); every process runs one, claims never overlap.
  const webhookWorker = webhookWorkerFor(rt, {
    // After the 10th failure the undelivered refresh token is revoked and the installation flagged.
    onExhausted: (delivery, tx) => onCredentialsUndeliverable(tx, delivery, rt.clock.now()),
    log: (level, fields, msg) => log[level](fields, msg),
  });
  webhookWorker.start();
  rt.usage.start(config.usageFlushInterval * 1000);
  // Expired rows are deleted in bounded batches (src/maintenance/purge.ts); null when GRANTRY_PURGE_INTERVAL=0.
  const purgeJob = purgeJobFor(rt, (level, fields, msg) => log[level](fields, msg));
  purgeJob?.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${config.tlsCert ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let stopping: Promise<void> | null = null;
  return {
    app,
    rt,
    url,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(reload);
        await webhookWorker.stop();
        await purgeJob?.stop();
        await app.close();
        await rt.close();
      })()),
  };
}
