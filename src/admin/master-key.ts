import { sql, type Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { cryptoRandom, type Random } from '../domain/random.js';
import { appendAudit } from '../storage/audit.js';
import type { Db } from '../storage/db.js';
import { createStores } from '../storage/kysely/index.js';
import type { Database } from '../storage/schema.js';
import { secretContext } from './webhooks.js';
import { payloadContext } from '../webhooks/enqueue.js';

/**
 * Every column Grantry seals with the master key (SecretBox), with the context (associated data) each
 * value is bound to. A new sealed column must be listed here, or master-key rotation would leave it
 * sealed with the old key (test/integration/master-key.test.ts fails on any sealed-looking value in a
 * column this list does not name).
 *
 * Hashes are not here: the HMAC pepper is random and itself sealed (`meta.hash_pepper`), so client
 * secrets, refresh tokens, codes and sessions stay valid across a rotation.
 */
export const SEALED_COLUMNS = [
  { kind: 'hash_pepper', table: 'meta', id: 'key', column: 'value', where: { column: 'key', value: 'hash_pepper' }, context: (_id: string) => 'meta:hash_pepper' },
  { kind: 'signing_keys', table: 'signing_keys', id: 'kid', column: 'private_jwk', context: (kid: string) => `signing_keys:${kid}` },
  // Bound to the endpoint, not the secret row (migration 0008 moved the secrets without the key).
  { kind: 'webhook_secrets', table: 'webhook_secrets', id: 'id', column: 'secret_sealed', contextColumn: 'subscription_id', context: secretContext },
  { kind: 'webhook_payloads', table: 'webhook_deliveries', id: 'id', column: 'payload_sealed', context: payloadContext },
  { kind: 'refresh_successors', table: 'refresh_tokens', id: 'hash', column: 'successor_sealed', context: (hash: string) => `refresh_tokens:${hash}` },
] as const satisfies readonly SealedColumn[];

interface SealedColumn {
  kind: string;
  table: keyof Database;
  id: string;
  column: string;
  /** Only the rows where this column has this value hold a sealed value (meta is a key/value table). */
  where?: { column: string; value: string };
  /** The column whose value `context` is given, when it is not the id column. */
  contextColumn?: string;
  context: (id: string) => string;
}

export type SealedKind = (typeof SEALED_COLUMNS)[number]['kind'];

export interface MasterKeyRotation {
  /** `rotated`: values were re-sealed with the new key. `unchanged`: every value already was (nothing written). */
  status: 'rotated' | 'unchanged';
  /** Values re-sealed with the new key, per kind. */
  reencrypted: Record<SealedKind, number>;
  /** Values found already sealed with the new key (a repeated rotation, or written by an instance that had it). */
  alreadyNewKey: Record<SealedKind, number>;
}

/** A sealed value that decrypts with neither key: rotation stops and changes nothing. */
export class MasterKeyRotationError extends Error {
  override readonly name = 'MasterKeyRotationError';
  constructor(
    message: string,
    readonly table: string,
    readonly row: string | null,
  ) {
    super(message);
  }
}

const zero = (): Record<SealedKind, number> => Object.fromEntries(SEALED_COLUMNS.map((c) => [c.kind, 0])) as Record<SealedKind, number>;

const opens = (box: SecretBox, sealed: string, context: string): Buffer | null => {
  try {
    return box.decrypt(sealed, context);
  } catch {
    return null;
  }
};

/**
 * Re-seals every sealed value with `newBox`, in one transaction: it commits entirely or not at all, so
 * a crash or an error leaves the database sealed with the old key. Each value is opened first; one
 * already sealed with the new key is left as it is (running the rotation again is safe, and also
 * re-seals values an instance still holding the old key wrote after a rotation); one that opens with
 * neither key aborts the whole rotation with an error naming its table and row.
 *
 * Writers are held off for the duration: PostgreSQL takes EXCLUSIVE locks on the sealed tables (reads
 * go on), SQLite takes the database write lock before reading. Neither key is logged or stored.
 */
export async function rotateMasterKey(
  db: Db,
  oldBox: SecretBox,
  newBox: SecretBox,
  options: { clock?: Clock; random?: Random; actor?: string } = {},
): Promise<MasterKeyRotation> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  return db.db.transaction().execute(async (trx) => {
    await lockSealedTables(trx, db.dialect);
    const reencrypted = zero();
    const alreadyNewKey = zero();
    const pending: { table: string; idColumn: string; column: string; id: string; old: string; next: string }[] = [];

    // First open everything (nothing is written until every value has been opened).
    for (const c of SEALED_COLUMNS as readonly SealedColumn[]) {
      const rows = await readSealed(trx, c);
      for (const { id, value, ctx } of rows) {
        const context = c.context(ctx);
        if (opens(newBox, value, context)) {
          alreadyNewKey[c.kind as SealedKind]++;
          continue;
        }
        const plaintext = opens(oldBox, value, context);
        if (!plaintext) {
          if (c.kind === 'hash_pepper') {
            throw new MasterKeyRotationError(
              'GRANTRY_MASTER_KEY does not match the one this database was created with: the hash pepper (table meta, row hash_pepper) opens with neither the current master key nor the new one; nothing was changed',
              c.table,
              id,
            );
          }
          throw new MasterKeyRotationError(
            `${c.table} row ${id}: ${c.column} opens with neither the current master key nor the new one (corrupted or tampered with); nothing was changed`,
            c.table,
            id,
          );
        }
        pending.push({ table: c.table, idColumn: c.id, column: c.column, id, old: value, next: newBox.encrypt(plaintext, context) });
        reencrypted[c.kind as SealedKind]++;
      }
    }
    if (pending.length === 0) return { status: 'unchanged', reencrypted, alreadyNewKey };

    for (const p of pending) {
      // Compare-and-set on the old ciphertext: under the locks above it always matches; if it did not,
      // the transaction is rolled back rather than overwriting a value written meanwhile.
      const result = await sql`update ${sql.table(p.table)} set ${sql.ref(p.column)} = ${p.next} where ${sql.ref(p.idColumn)} = ${p.id} and ${sql.ref(p.column)} = ${p.old}`.execute(trx);
      if (Number(result.numAffectedRows ?? 0n) !== 1) {
        throw new MasterKeyRotationError(`${p.table} row ${p.id}: ${p.column} changed during the rotation; nothing was changed`, p.table, p.id);
      }
    }
    const total = pending.length;
    await appendAudit(createStores(trx, db.dialect, true), random, clock.now(), {
      actor: options.actor ?? 'cli',
      action: 'master_key.rotated',
      target: { type: 'master_key', id: 'master_key' },
      data: { reencrypted, total },
    });
    return { status: 'rotated', reencrypted, alreadyNewKey };
  });
}

async function lockSealedTables(trx: Kysely<Database>, dialect: Db['dialect']): Promise<void> {
  if (dialect === 'postgres') {
    // EXCLUSIVE blocks every write (and FOR UPDATE) to these tables until commit; plain reads continue.
    const tables = [...new Set(SEALED_COLUMNS.map((c) => c.table))];
    await sql`lock table ${sql.join(tables.map((t) => sql.table(t)))} in exclusive mode`.execute(trx);
  } else {
    // A write as the first statement takes SQLite's write lock (waiting busy_timeout for it) before
    // anything is read, so no other process writes between our reads and our updates.
    await sql`update meta set value = value where key = 'hash_pepper'`.execute(trx);
  }
}

async function readSealed(trx: Kysely<Database>, c: SealedColumn): Promise<{ id: string; value: string; ctx: string }[]> {
  const where = c.where ? sql` and ${sql.ref(c.where.column)} = ${c.where.value}` : sql``;
  const rows = await sql<{ id: string; value: string; ctx: string }>`select ${sql.ref(c.id)} as id, ${sql.ref(c.column)} as value, ${sql.ref(c.contextColumn ?? c.id)} as ctx from ${sql.table(c.table)} where ${sql.ref(c.column)} is not null${where} order by ${sql.ref(c.id)}`.execute(trx);
  return rows.rows.map((r) => ({ id: String(r.id), value: String(r.value), ctx: String(r.ctx) }));
}
