import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from './db.js';

/**
 * What other processes on the same database must forget when it changes here: an application (its
 * cached settings and secret hashes) or the signing keys. `all` is said after a gap in which changes
 * may have been missed (a listener reconnecting).
 */
export type Change = { kind: 'client'; clientId: string } | { kind: 'keys' } | { kind: 'all' };

/**
 * Cache invalidation across Grantry processes that share a database (DESIGN: they share nothing
 * else). PostgreSQL: LISTEN/NOTIFY, delivered within milliseconds. SQLite (one host: workers, a
 * second server, the CLI): a change counter in the database, polled every `pollMs`. Either way a
 * change is seen well within the cache TTLs, which remain the bound when the feed is down.
 */
export interface ChangeFeed {
  /** Tells the other processes; never throws (a failure leaves the TTL bound). */
  publish(change: Exclude<Change, { kind: 'all' }>): void;
  /** Starts delivering other processes' changes (and this one's: handlers must be idempotent). */
  start(onChange: (change: Change) => void): Promise<void>;
  stop(): Promise<void>;
}

export const CHANNEL = 'grantry_changes';
const SEQ_KEY = 'change_seq';

export function changeFeed(db: Db, options: { pollMs?: number; onError?: (err: Error) => void } = {}): ChangeFeed {
  return db.dialect === 'postgres' ? postgresFeed(db, options.onError) : sqliteFeed(db, options.pollMs ?? 1000, options.onError);
}

/** Publications still on their way, so stopping (a CLI command ending) does not cut one off. */
function tracker() {
  const pending = new Set<Promise<unknown>>();
  return {
    track(p: Promise<unknown>): void {
      const settled = p.finally(() => pending.delete(settled));
      pending.add(settled);
    },
    drain: () => Promise.allSettled([...pending]),
  };
}

function postgresFeed(db: Db, onError: (err: Error) => void = () => {}): ChangeFeed {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;
  let handler: (change: Change) => void = () => {};
  const publications = tracker();

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 5000 });
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        handler(JSON.parse(msg.payload) as Change);
      } catch (err) {
        onError(err as Error);
      }
    });
    // A lost connection (server restart): reconnect with backoff; changes made meanwhile were missed.
    c.on('error', (err) => {
      onError(err);
      reconnect(c);
    });
    c.on('end', () => reconnect(c));
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    client = c;
  };
  const reconnect = (c: pg.Client, delayMs = 1000): void => {
    if (stopped || client !== c) return;
    client = null;
    c.removeAllListeners('end');
    void c.end().catch(() => {});
    retry = setTimeout(() => {
      connect().then(
        () => handler({ kind: 'all' }),
        (err: Error) => {
          onError(err);
          reconnect(c, Math.min(delayMs * 2, 30_000));
        },
      );
    }, delayMs);
    retry.unref();
  };

  return {
    publish(change) {
      // Through the pool: NOTIFY is delivered to every listener of the database, this process included.
      publications.track(sql`select pg_notify(${CHANNEL}, ${JSON.stringify(change)})`.execute(db.db).catch((err: Error) => onError(err)));
    },
    async start(onChange) {
      handler = onChange;
      await connect();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await publications.drain();
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => {});
      }
    },
  };
}

function sqliteFeed(db: Db, pollMs: number, onError: (err: Error) => void = () => {}): ChangeFeed {
  let timer: NodeJS.Timeout | null = null;
  let seen: string | null = null;
  const publications = tracker();
  const read = async (): Promise<string> => (await db.db.selectFrom('meta').select('value').where('key', '=', SEQ_KEY).executeTakeFirst())?.value ?? '0';
  return {
    publish() {
      // SQLite has no notifications: bump a counter that every process polls. What changed is not
      // said, so a reader forgets all its cached clients and reloads the keys: changes are rare.
      publications.track(
        db.db
          .insertInto('meta')
          .values({ key: SEQ_KEY, value: '1' })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql`cast(cast(value as integer) + 1 as text)` }))
          .execute()
          .catch((err: Error) => onError(err)),
      );
    },
    async start(onChange) {
      seen = await read();
      timer = setInterval(() => {
        read().then(
          (now) => {
            if (now !== seen) {
              seen = now;
              onChange({ kind: 'all' });
            }
          },
          (err: Error) => onError(err),
        );
      }, pollMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await publications.drain();
    },
  };
}
