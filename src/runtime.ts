import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './domain/clock.js';
import { cryptoRandom, type Random } from './domain/random.js';
import { SecretBox } from './crypto/secret-box.js';
import { Hasher } from './crypto/hasher.js';
import { KeyManager } from './keys/key-manager.js';
import { ClientRegistry } from './protocol/client-registry.js';
import { FailureLimiter } from './protocol/failure-limiter.js';
import { Metrics } from './metrics/metrics.js';
import { UsageRecorder } from './metrics/usage.js';
import { openDb, type Db } from './storage/db.js';
import { createStores } from './storage/kysely/index.js';
import { MigrationError, migrateToLatest, pendingMigrations } from './storage/migrations/index.js';
import type { Stores } from './storage/ports.js';
import { changeFeed, type ChangeFeed } from './storage/changes.js';
import { allGrants, type GrantHandler } from './grants/index.js';
import type { AdminContext } from './admin/context.js';
import { cliPrincipal, type Principal } from './admin/access.js';
import type { TokenEndpointDeps } from './protocol/token.js';
import type { RevokeDeps } from './protocol/revoke.js';

/** Everything the server, the CLI and the tests share: the composition root's product. */
export interface Runtime {
  config: Config;
  clock: Clock;
  random: Random;
  db: Db;
  stores: Stores;
  box: SecretBox;
  hasher: Hasher;
  keys: KeyManager;
  clients: ClientRegistry;
  metrics: Metrics;
  /** Hourly usage totals for the dashboard; `grantry serve` flushes them every GRANTRY_USAGE_FLUSH_INTERVAL. */
  usage: UsageRecorder;
  /** Cache invalidation across processes on this database. */
  changes: ChangeFeed;
  grants: ReadonlyMap<string, GrantHandler>;
  /** Dependencies of the OAuth endpoints (token, introspection, revocation) and of credential minting. */
  tokenDeps: TokenEndpointDeps & RevokeDeps;
  /** A context for the operations in src/admin; without `principal`, an in-process platform administrator (CLI, init). */
  admin(actor: string, principal?: Principal): AdminContext;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  masterKey: Buffer;
  clock?: Clock;
  random?: Random;
  /** An already open database (tests); otherwise config.databaseUrl is opened. */
  db?: Db;
  /** Apply pending migrations first; when false, refuse to run on an outdated schema. Default: config.autoMigrate. */
  migrate?: boolean;
  /**
   * Listen to other processes' changes (a server does; a short CLI command only publishes its own).
   * Default false.
   */
  watchChanges?: boolean;
  /** Where the change feed reports problems (it never throws). */
  onChangeFeedError?: (err: Error) => void;
  /** Where a failed write of the usage totals is reported (they are kept and written with the next one). */
  onUsageFlushError?: (err: Error) => void;
  /**
   * On SQLite, checkpoint the WAL from a worker thread instead of inside request commits (a server does;
   * a short CLI command does not need a thread). `onError`: where a failed checkpoint is reported.
   */
  backgroundCheckpoints?: { onError?: (err: Error) => void };
}

/**
 * The hash pepper is random, stored sealed with the master key. Deriving it from the master key
 * instead would make every stored hash useless the day the master key is rotated.
 */
async function loadPepper(stores: Stores, box: SecretBox, random: Random): Promise<Buffer> {
  const candidate = box.encrypt(random.bytes(32), 'meta:hash_pepper');
  const sealed = await stores.meta.putIfAbsent('hash_pepper', candidate);
  return box.decrypt(sealed, 'meta:hash_pepper');
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const db = options.db ?? openDb(config.databaseUrl, { poolSize: config.dbPoolSize, ...(options.backgroundCheckpoints ? { backgroundCheckpoints: options.backgroundCheckpoints } : {}) });
  try {
    if (options.migrate ?? config.autoMigrate) {
      await migrateToLatest(db.db, db.dialect);
    } else {
      const pending = await pendingMigrations(db.db, db.dialect);
      if (pending.length > 0) throw new MigrationError(`the database schema is outdated (pending: ${pending.join(', ')}); run \`grantry migrate\``);
    }
    const stores = createStores(db.db, db.dialect, false, db);
    const box = new SecretBox(options.masterKey);
    let pepper: Buffer;
    try {
      pepper = await loadPepper(stores, box, random);
    } catch (err) {
      if ((err as Error).message.includes('unable to authenticate') || (err as { code?: string }).code === 'ERR_CRYPTO_INVALID_TAG') {
        throw new Error('GRANTRY_MASTER_KEY does not match the one this database was created with', { cause: err });
      }
      throw err;
    }
    const hasher = new Hasher(pepper);
    const keys = new KeyManager(stores, box, clock, random, {
      alg: config.signingAlg,
      activationDelaySeconds: config.keyActivationDelay,
      retentionSeconds: config.maxAccessTokenTtl,
    });
    await keys.bootstrap();
    const clients = new ClientRegistry(stores.applications, clock, config.clientCacheTtl * 1000);
    const changes = changeFeed(db, { pollMs: config.changePollInterval, ...(options.onChangeFeedError ? { onError: options.onChangeFeedError } : {}) });
    clients.onInvalidate = (clientId) => changes.publish({ kind: 'client', clientId });
    if (options.watchChanges) {
      await changes.start((change) => {
        if (change.kind === 'client') clients.forget(change.clientId);
        if (change.kind === 'all') clients.clear();
        if (change.kind === 'keys' || change.kind === 'all') keys.load().catch((err: Error) => options.onChangeFeedError?.(err));
      });
    }
    const metrics = new Metrics(() => db.poolStats());
    const usage = new UsageRecorder(stores, clock, (err) => options.onUsageFlushError?.(err));
    const grants = new Map(allGrants.map((g) => [g.grantType, g]));
    const limiter = new FailureLimiter(clock, { perClientAddress: config.clientAuthFailureLimit, perAddress: config.clientAuthFailureAddressLimit, windowMs: 60_000 });
    const tokenDeps: TokenEndpointDeps & RevokeDeps = { config, clock, random, keys, issuer: config.issuer, clients, hasher, box, stores, grants, limiter, usage };
    return {
      config,
      clock,
      random,
      db,
      stores,
      box,
      hasher,
      keys,
      clients,
      metrics,
      usage,
      grants,
      tokenDeps,
      changes,
      admin: (actor, principal = cliPrincipal(actor)) => ({ stores, clock, random, hasher, clients, changes, actor, principal }),
      close: async () => {
        await usage.stop().catch(() => {});
        await changes.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
