import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Stores } from '../ports.js';
import { organizationStore } from './organizations.js';
import { scopeStore } from './scopes.js';
import { applicationStore } from './applications.js';
import { auditStore, keyStore, metaStore } from './misc.js';

/** One implementation of every port, dialect-agnostic. Inside a transaction, nested calls reuse it. */
export function createStores(db: Kysely<Database>, inTransaction = false): Stores {
  const stores: Stores = {
    organizations: organizationStore(db),
    scopes: scopeStore(db),
    applications: applicationStore(db),
    keys: keyStore(db),
    audit: auditStore(db),
    meta: metaStore(db),
    transaction: (fn) => (inTransaction ? fn(stores) : db.transaction().execute((trx) => fn(createStores(trx, true)))),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  };
  return stores;
}
