import { usageStore } from './usage.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Dialect } from '../db.js';
import { webhookStore } from './webhooks.js';
import { installationStore, refreshStore, revocationStore } from './installations.js';
import { refreshHotPath, type NativeHandles } from './rotation.js';
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
 * `native`, the handles behind a runtime's `db` (SQLite's connection, PostgreSQL's pool), gives the
 * refresh hot path its direct statements (storage/kysely/rotation.ts).
 */
export function createStores(db: Kysely<Database>, dialect: Dialect, inTransaction = false, native?: NativeHandles): Stores {
  const stores: Stores = {
    dialect,
    webhooks: webhookStore(db, dialect),
    installations: installationStore(db),
    refresh: refreshStore(db, refreshHotPath(db, dialect, inTransaction, native)),
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
