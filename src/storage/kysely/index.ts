import { usageStore } from './usage.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Dialect } from '../db.js';
import { webhookStore } from './webhooks.js';
import { installationStore, refreshStore, revocationStore } from './installations.js';
import { rotator } from './rotation.js';
import type SqliteDatabase from 'better-sqlite3';
import type { Stores } from '../ports.js';
import { organizationStore } from './organizations.js';
import { scopeStore } from './scopes.js';
import { applicationStore } from './applications.js';
import { auditStore, keyStore, metaStore } from './misc.js';
import { sessionStore, throttleStore, userStore } from './users.js';
import { authorizationCodeStore, decoupledRequestStore } from './authorization.js';
import { purgeStore } from './purge.js';

/**
 * One implementation of every port, dialect-agnostic. Inside a transaction, nested calls reuse it.
 * `sqlite`, the native handle behind `db` on SQLite, lets refresh rotations be group-committed.
 */
export function createStores(db: Kysely<Database>, dialect: Dialect, inTransaction = false, sqlite?: SqliteDatabase.Database): Stores {
  const stores: Stores = {
    dialect,
    webhooks: webhookStore(db, dialect),
    installations: installationStore(db),
    refresh: refreshStore(db, dialect, rotator(db, dialect, inTransaction, sqlite)),
    revocations: revocationStore(db),
    organizations: organizationStore(db),
    scopes: scopeStore(db),
    applications: applicationStore(db),
    keys: keyStore(db),
    audit: auditStore(db),
    meta: metaStore(db),
    users: userStore(db),
    sessions: sessionStore(db),
    throttle: throttleStore(db),
    authorizationCodes: authorizationCodeStore(db),
    decoupled: decoupledRequestStore(db),
    purge: purgeStore(db, dialect),
    usage: usageStore(db),
    transaction: (fn) => (inTransaction ? fn(stores) : db.transaction().execute((trx) => fn(createStores(trx, dialect, true)))),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  };
  return stores;
}
