import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import type { Db } from '../../src/storage/db.js';
import { isUniqueViolation } from '../../src/storage/db.js';
import { createStores } from '../../src/storage/kysely/index.js';
import { migrateToLatest } from '../../src/storage/migrations/index.js';
import type { Stores } from '../../src/storage/ports.js';
import type { Database } from '../../src/storage/schema.js';
import type { Rotation, TokenUse } from '../../src/storage/ports-installations.js';
import type { RefreshFamily, RefreshTokenRecord } from '../../src/domain/installation.js';

const T = 1_700_000_000_000;
const MIN = 60_000;
const DAY = 86_400_000;

/**
 * RefreshStore.rotate at the store level (src/storage/kysely/rotation.ts), on each of its three
 * implementations: the one statement of CTEs on PostgreSQL (named on the pool, or unnamed through
 * Kysely), the group commit of the native handle on SQLite (and its fallback, a Kysely transaction per
 * rotation), and the executor inside a transaction; and the lookup, native or through Kysely.
 * Families here are a person's (installation_id null), so no installation is needed behind them.
 */
describe.each(DIALECTS)('RefreshStore hot path (lookup, rotate, use) on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let database: TestDatabase;
    let db: Db;
    let stores: Stores;
    let seq = 0;
    const uid = (prefix: string) => `${prefix}_${++seq}`;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      db = database.open();
      await migrateToLatest(db.db, db.dialect);
      // The root stores as the runtime makes them: with the native handles (SQLite's group commit and
      // synchronous lookup, PostgreSQL's named statements).
      stores = createStores(db.db, db.dialect, false, db);
      kyselyOf.set(stores, db.db);
      if (dialect === 'sqlite') expect(db.sqlite).toBeDefined();
    });
    afterAll(async () => {
      await db?.close();
      await database?.drop();
    });

    const familyAt = (id: string, generation: number, status: RefreshFamily['status'] = 'active'): RefreshFamily => ({
      id,
      installationId: null,
      applicationId: 'app_console',
      subject: `usr_${id}`,
      scopes: ['grantry:console'],
      policy: 'rotate',
      credentialsVersion: 1,
      generation,
      status,
      revokedAt: status === 'revoked' ? T - MIN : null,
      revokedReason: status === 'revoked' ? 'reuse_detected' : null,
      lastAccessJti: 'jti_before',
      lastAccessExp: T - MIN,
      absoluteExpiresAt: T + 90 * DAY,
      createdAt: T - DAY,
      lastUsedAt: T - 2 * MIN,
      origin: 'first_party',
    });
    const tokenOf = (hash: string, familyId: string, generation: number): RefreshTokenRecord => ({
      hash,
      familyId,
      generation,
      createdAt: T - 2 * MIN,
      expiresAt: T + 30 * DAY,
      spentAt: null,
      successorSealed: null,
      successorUntil: null,
    });

    /** A family at `generation` with its current token, through the store's own methods. */
    async function seed(generation = 3, status: RefreshFamily['status'] = 'active', s: Stores = stores) {
      const family = familyAt(uid('rfam'), generation, status);
      const token = tokenOf(uid('hash'), family.id, generation);
      await s.refresh.createFamily(family);
      await s.refresh.insertToken(token);
      expect(await s.refresh.getFamily(family.id)).toEqual(family);
      expect(await s.refresh.getToken(token.hash)).toEqual(token);
      return { family, token };
    }

    const rotationOf = (family: RefreshFamily, token: RefreshTokenRecord, over: Partial<Rotation> = {}): Rotation => ({
      familyId: family.id,
      generation: family.generation,
      at: T,
      access: { jti: uid('jti'), expiresAt: T + 60 * MIN },
      spent: { hash: token.hash, successor: { sealed: uid('sealed'), until: T + 30_000 } },
      next: { hash: uid('next'), expiresAt: T + 30 * DAY },
      ...over,
    });

    /** Which connection a check reads through: its stores, and its Kysely instance for raw rows. */
    const kyselyOf = new Map<Stores, Kysely<Database>>();
    /** Every token row of a family, by generation then hash. */
    const tokensOf = async (familyId: string, s: Stores = stores) => {
      const k = kyselyOf.get(s);
      if (!k) throw new Error('unknown stores');
      const rows = await k.selectFrom('refresh_tokens').select(['hash', 'generation']).where('family_id', '=', familyId).orderBy('generation').orderBy('hash').execute();
      return rows.map((r) => ({ hash: r.hash, generation: Number(r.generation) }));
    };

    /** The family and token as they were seeded, and no other token of the family. */
    async function expectUnchanged(family: RefreshFamily, token: RefreshTokenRecord, nextHash: string, s: Stores = stores) {
      expect(await s.refresh.getFamily(family.id)).toEqual(family);
      expect(await s.refresh.getToken(token.hash)).toEqual(token);
      expect(await s.refresh.getToken(nextHash)).toBeNull();
      expect(await tokensOf(family.id, s)).toEqual([{ hash: token.hash, generation: token.generation }]);
    }

    /** The exact writes of a won rotation `r` of `family`/`token`. */
    async function expectRotated(family: RefreshFamily, token: RefreshTokenRecord, r: Rotation, s: Stores = stores) {
      expect(await s.refresh.getFamily(family.id)).toEqual({
        ...family,
        generation: family.generation + 1,
        lastAccessJti: r.access.jti,
        lastAccessExp: r.access.expiresAt,
        lastUsedAt: r.at,
      });
      expect(await s.refresh.getToken(token.hash)).toEqual({
        ...token,
        spentAt: r.at,
        successorSealed: r.spent.successor?.sealed ?? null,
        successorUntil: r.spent.successor?.until ?? null,
      });
      expect(await s.refresh.getToken(r.next.hash)).toEqual({
        hash: r.next.hash,
        familyId: family.id,
        generation: family.generation + 1,
        createdAt: r.at,
        expiresAt: r.next.expiresAt,
        spentAt: null,
        successorSealed: null,
        successorUntil: null,
      });
      expect(await tokensOf(family.id, s)).toEqual([
        { hash: token.hash, generation: family.generation },
        { hash: r.next.hash, generation: family.generation + 1 },
      ]);
    }

    it('with the current generation: true, and exactly the advance, the spend and the successor written', async () => {
      const bystander = await seed(3);
      const { family, token } = await seed(3);
      const r = rotationOf(family, token, { at: T + 5 * MIN });
      expect(await stores.refresh.rotate(r)).toBe(true);
      await expectRotated(family, token, r);
      // Another family of the same generation is untouched.
      await expectUnchanged(bystander.family, bystander.token, uid('none'));
    });

    it('records a null successor and a null expiry as null', async () => {
      const { family, token } = await seed(0);
      const r = rotationOf(family, token, { spent: { hash: token.hash, successor: null }, next: { hash: uid('next'), expiresAt: null } });
      expect(await stores.refresh.rotate(r)).toBe(true);
      await expectRotated(family, token, r);
      const spent = await stores.refresh.getToken(token.hash);
      expect(spent?.successorSealed).toBeNull();
      expect(spent?.successorUntil).toBeNull();
      expect((await stores.refresh.getToken(r.next.hash))?.expiresAt).toBeNull();
    });

    it('rotates a chain: each successor is presented in turn with the family\'s new generation', async () => {
      let { family, token } = await seed(1);
      for (let i = 0; i < 3; i++) {
        const r = rotationOf(family, token, { at: T + i * MIN });
        expect(await stores.refresh.rotate(r)).toBe(true);
        await expect(stores.refresh.rotate({ ...r, next: { hash: uid('next'), expiresAt: null } })).resolves.toBe(false);
        const nextFamily = await stores.refresh.getFamily(family.id);
        expect(nextFamily?.generation).toBe(1 + i + 1);
        token = (await stores.refresh.getToken(r.next.hash))!;
        family = nextFamily!;
      }
      expect((await tokensOf(family.id)).map((t) => t.generation)).toEqual([1, 2, 3, 4]);
    });

    it('with a stale (or future) generation: false, and nothing written', async () => {
      const { family, token } = await seed(3);
      const stale = rotationOf(family, token, { generation: 2 });
      expect(await stores.refresh.rotate(stale)).toBe(false);
      await expectUnchanged(family, token, stale.next.hash);
      const future = rotationOf(family, token, { generation: 4 });
      expect(await stores.refresh.rotate(future)).toBe(false);
      await expectUnchanged(family, token, future.next.hash);
    });

    it('with a presented token that is not the family\'s unspent token of that generation: false, and nothing written', async () => {
      const { family, token } = await seed(3);
      const other = await seed(3);
      // Another family's token: neither family moves, neither token is spent.
      const foreign = rotationOf(family, other.token);
      expect(await stores.refresh.rotate(foreign)).toBe(false);
      await expectUnchanged(family, token, foreign.next.hash);
      await expectUnchanged(other.family, other.token, foreign.next.hash);
      // An unknown hash.
      const unknown = rotationOf(family, { ...token, hash: uid('unknown') });
      expect(await stores.refresh.rotate(unknown)).toBe(false);
      await expectUnchanged(family, token, unknown.next.hash);
      // The family's token, already spent (a state only tampering could leave at its own generation).
      const spentToken = { ...token, spentAt: T - MIN };
      const k = kyselyOf.get(stores)!;
      await k.updateTable('refresh_tokens').set({ spent_at: spentToken.spentAt }).where('hash', '=', token.hash).execute();
      const again = rotationOf(family, token);
      expect(await stores.refresh.rotate(again)).toBe(false);
      await expectUnchanged(family, spentToken, again.next.hash);
    });

    const useOf = (family: RefreshFamily, token: RefreshTokenRecord, over: Partial<TokenUse> = {}): TokenUse => ({
      familyId: family.id,
      hash: token.hash,
      at: T + MIN,
      access: { jti: uid('jti'), expiresAt: T + 60 * MIN },
      expiresAt: T + 45 * DAY,
      ...over,
    });
    /** The exact writes of a use `u`: the family's last access token and time, the token's new expiry. */
    async function expectUsed(family: RefreshFamily, token: RefreshTokenRecord, u: TokenUse, s: Stores = stores) {
      expect(await s.refresh.getFamily(family.id)).toEqual({ ...family, lastAccessJti: u.access.jti, lastAccessExp: u.access.expiresAt, lastUsedAt: u.at });
      expect(await s.refresh.getToken(token.hash)).toEqual({ ...token, expiresAt: u.expiresAt });
      expect(await tokensOf(family.id, s)).toEqual([{ hash: token.hash, generation: token.generation }]);
    }

    describe('use (the reuse policy)', () => {
      it('records the access token and the time on the family and slides the token\'s expiry, nothing else', async () => {
        const { family, token } = await seed(2);
        const u = useOf(family, token);
        expect(await stores.refresh.use(u)).toBe(true);
        await expectUsed(family, token, u);
        // Used again: the latest use is what the family records. A null expiry is stored as null.
        const again = useOf(family, token, { at: T + 2 * MIN, expiresAt: null });
        expect(await stores.refresh.use(again)).toBe(true);
        await expectUsed(family, token, again);
      });

      it('on a revoked family, or with a token that is not the family\'s: false, and nothing written', async () => {
        const revoked = await seed(2, 'revoked');
        expect(await stores.refresh.use(useOf(revoked.family, revoked.token))).toBe(false);
        await expectUnchanged(revoked.family, revoked.token, uid('none'));
        const a = await seed(2);
        const b = await seed(2);
        expect(await stores.refresh.use(useOf(a.family, b.token))).toBe(false);
        await expectUnchanged(a.family, a.token, uid('none'));
        await expectUnchanged(b.family, b.token, uid('none'));
      });

      it('of 20 concurrent uses of one token, each is written whole and the family records one of them', async () => {
        const { family, token } = await seed(1);
        const us = Array.from({ length: 20 }, (_, i) => useOf(family, token, { at: T + i, expiresAt: T + DAY + i }));
        expect(await Promise.all(us.map((u) => stores.refresh.use(u)))).toEqual(Array(20).fill(true));
        const f = (await stores.refresh.getFamily(family.id))!;
        const last = us.find((u) => u.access.jti === f.lastAccessJti)!;
        // The family's fields and the token's expiry come from the same use: never half of one and half of another.
        await expectUsed(family, token, last);
      });

      it('inside a transaction that then fails: rolled back with it', async () => {
        const { family, token } = await seed(2);
        const u = useOf(family, token);
        const err = await stores
          .transaction(async (tx) => {
            expect(await tx.refresh.use(u)).toBe(true);
            throw new Error('roll back');
          })
          .catch((e: Error) => e.message);
        expect(err).toBe('roll back');
        await expectUnchanged(family, token, uid('none'));
      });
    });

    it('on a revoked family: false, and nothing written', async () => {
      const { family, token } = await seed(3, 'revoked');
      const r = rotationOf(family, token);
      expect(await stores.refresh.rotate(r)).toBe(false);
      await expectUnchanged(family, token, r.next.hash);
      expect((await stores.refresh.getFamily(family.id))?.status).toBe('revoked');
    });

    it('of 20 concurrent rotations of one family and generation, exactly one wins and only it is written', async () => {
      const { family, token } = await seed(7);
      const rs = Array.from({ length: 20 }, (_, i) => rotationOf(family, token, { at: T + i }));
      const won = await Promise.all(rs.map((r) => stores.refresh.rotate(r)));
      expect(won.filter((w) => w === true)).toHaveLength(1);
      expect(won.filter((w) => w === false)).toHaveLength(19);
      const winner = rs[won.indexOf(true)]!;
      // The family moved by one, the presented token carries the winner's successor, and of the 20
      // next tokens only the winner's exists.
      await expectRotated(family, token, winner);
      for (const r of rs) if (r !== winner) expect(await stores.refresh.getToken(r.next.hash)).toBeNull();
      const nextGen = await db.db.selectFrom('refresh_tokens').select('hash').where('family_id', '=', family.id).where('generation', '=', family.generation + 1).execute();
      expect(nextGen).toEqual([{ hash: winner.next.hash }]);
    });

    it('inside a transaction that then fails: rolled back with it', async () => {
      const { family, token } = await seed(2);
      const r = rotationOf(family, token);
      const boom = new Error('after the rotation');
      await expect(
        stores.transaction(async (tx) => {
          expect(await tx.refresh.rotate(r)).toBe(true);
          // Visible inside the transaction...
          expect((await tx.refresh.getFamily(family.id))?.generation).toBe(family.generation + 1);
          expect((await tx.refresh.getToken(r.next.hash))?.generation).toBe(family.generation + 1);
          expect((await tx.refresh.getToken(token.hash))?.spentAt).toBe(r.at);
          // ...and a second rotation of the same generation in it loses.
          expect(await tx.refresh.rotate({ ...r, next: { hash: uid('next'), expiresAt: null } })).toBe(false);
          throw boom;
        }),
      ).rejects.toBe(boom);
      await expectUnchanged(family, token, r.next.hash);
    });

    it('inside a transaction that commits: written as outside one', async () => {
      const { family, token } = await seed(2);
      const r = rotationOf(family, token);
      expect(await stores.transaction((tx) => tx.refresh.rotate(r))).toBe(true);
      await expectRotated(family, token, r);
    });

    describe('lookup, and the stores without native handles', () => {
      let plain: Stores;
      beforeAll(() => {
        // Kysely for every statement: unnamed on PostgreSQL, a transaction per rotation on SQLite.
        plain = createStores(db.db, db.dialect);
        kyselyOf.set(plain, db.db);
      });

      it('finds a token with its family the same way through the native handles and through Kysely', async () => {
        const { family, token } = await seed(2);
        const expected = { token, family, installation: null };
        expect(await stores.refresh.lookup(token.hash)).toEqual(expected);
        expect(await plain.refresh.lookup(token.hash)).toEqual(expected);
        expect(await stores.refresh.lookup(uid('unknown'))).toBeNull();
        expect(await plain.refresh.lookup(uid('unknown'))).toBeNull();
      });

      it('rotates without native handles, and each store reads what the other wrote', async () => {
        const { family, token } = await seed(4, 'active', plain);
        const r = rotationOf(family, token);
        expect(await plain.refresh.rotate(r)).toBe(true);
        await expectRotated(family, token, r, stores);
        expect(await plain.refresh.rotate(rotationOf(family, token))).toBe(false);
        const next = (await stores.refresh.getToken(r.next.hash))!;
        const second = rotationOf({ ...family, generation: family.generation + 1 }, next);
        expect(await stores.refresh.rotate(second)).toBe(true);
        expect((await plain.refresh.lookup(second.next.hash))?.family.generation).toBe(family.generation + 2);
      });

      it('uses a reuse-policy token without native handles, and refuses a revoked family', async () => {
        const { family, token } = await seed(2, 'active', plain);
        const u = useOf(family, token);
        expect(await plain.refresh.use(u)).toBe(true);
        await expectUsed(family, token, u, stores);
        const revoked = await seed(2, 'revoked', plain);
        expect(await plain.refresh.use(useOf(revoked.family, revoked.token))).toBe(false);
        await expectUnchanged(revoked.family, revoked.token, uid('none'), stores);
      });

      it('never sees the rows of a transaction still open, and finds nothing once it rolls back', async () => {
        const family = familyAt(uid('rfam'), 0);
        const token = tokenOf(uid('hash'), family.id, 0);
        let written!: () => void;
        const wrote = new Promise<void>((resolve) => (written = resolve));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const tx = stores
          .transaction(async (t) => {
            await t.refresh.createFamily(family);
            await t.refresh.insertToken(token);
            written();
            await gate;
            throw new Error('roll back');
          })
          .catch((err: Error) => err.message);
        await wrote;
        let settled = false;
        const seen = stores.refresh.lookup(token.hash).finally(() => (settled = true));
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        // SQLite has one connection, held by the open transaction: the read waits for it (a read on the
        // native handle now would see the uncommitted rows). PostgreSQL reads on another connection.
        if (dialect === 'sqlite') expect(settled).toBe(false);
        else expect(await seen).toBeNull();
        release();
        expect(await tx).toBe('roll back');
        expect(await seen).toBeNull();
        expect(await stores.refresh.lookup(token.hash)).toBeNull();
      });

      it.skipIf(dialect !== 'postgres')('keeps working on every pooled connection after a migration adds a column to the families', async () => {
        const { family, token } = await seed(1);
        const expected = { token, family, installation: null };
        // Concurrent lookups prepare the named statement on several of the pool's connections.
        const many = () => Promise.all(Array.from({ length: 12 }, () => stores.refresh.lookup(token.hash)));
        expect(await many()).toEqual(Array(12).fill(expected));
        await sql`alter table refresh_families add column grantry_test_extra text`.execute(db.db);
        try {
          expect(await many()).toEqual(Array(12).fill(expected));
          const r = rotationOf(family, token);
          expect(await stores.refresh.rotate(r)).toBe(true);
          await expectRotated(family, token, r);
        } finally {
          await sql`alter table refresh_families drop column grantry_test_extra`.execute(db.db);
        }
      });
    });

    describe.skipIf(dialect !== 'sqlite')('SQLite group commit', () => {
      let other: Db;
      let otherStores: Stores;
      beforeAll(() => {
        // A second connection to the same file: it sees only what has been committed.
        other = database.open();
        otherStores = createStores(other.db, other.dialect);
        kyselyOf.set(otherStores, other.db);
      });
      afterAll(async () => other?.close());

      const committedGeneration = (familyId: string): number | undefined =>
        (other.sqlite!.prepare('select generation from refresh_families where id = ?').get(familyId) as { generation: number } | undefined)?.generation;

      it('writes the rotations of 10 families requested in one tick, each committed before its promise settles', async () => {
        const seeded = await Promise.all(Array.from({ length: 10 }, () => seed(4)));
        const rs = seeded.map(({ family, token }) => rotationOf(family, token));
        // Committed when each settles: read synchronously, on the other connection, in its callback.
        const seenOnSettle: Array<number | undefined> = [];
        const promises = rs.map((r, i) =>
          stores.refresh.rotate(r).then((won) => {
            seenOnSettle[i] = committedGeneration(r.familyId);
            return won;
          }),
        );
        // Nothing is written before the batch runs (after this turn of the event loop).
        for (const { family } of seeded) expect(committedGeneration(family.id)).toBe(4);
        expect(await Promise.all(promises)).toEqual(Array(10).fill(true));
        expect(seenOnSettle).toEqual(Array(10).fill(5));
        for (const [i, { family, token }] of seeded.entries()) {
          await expectRotated(family, token, rs[i]!);
          await expectRotated(family, token, rs[i]!, otherStores);
        }
      });

      it('writes rotations and uses requested in the same tick in one batch, each committed before its promise settles', async () => {
        const rotating = await seed(2);
        const reusing = await seed(2);
        const r = rotationOf(rotating.family, rotating.token);
        const u = useOf(reusing.family, reusing.token);
        const committedJti = (id: string) => (other.sqlite!.prepare('select last_access_jti from refresh_families where id = ?').get(id) as { last_access_jti: string }).last_access_jti;
        const seen: string[] = [];
        const both = Promise.all([
          stores.refresh.rotate(r).then((won) => (seen.push(`rotate ${committedGeneration(r.familyId)}`), won)),
          stores.refresh.use(u).then((used) => (seen.push(`use ${committedJti(u.familyId) === u.access.jti}`), used)),
        ]);
        expect(committedJti(reusing.family.id)).toBe('jti_before');
        expect(await both).toEqual([true, true]);
        expect(seen).toEqual(['rotate 3', 'use true']);
        await expectRotated(rotating.family, rotating.token, r, otherStores);
        await expectUsed(reusing.family, reusing.token, u, otherStores);
      });

      it('isolates a failing rotation in its savepoint: it rejects, the others in its batch are committed', async () => {
        const seeded = await Promise.all(Array.from({ length: 9 }, () => seed(6)));
        const victim = seeded[4]!;
        const collidesWith = seeded[0]!.token.hash;
        const rs = seeded.map(({ family, token }, i) =>
          rotationOf(family, token, i === 4 ? { next: { hash: collidesWith, expiresAt: T + DAY } } : {}),
        );
        const settled = await Promise.allSettled(rs.map((r) => stores.refresh.rotate(r)));
        for (const [i, s] of settled.entries()) {
          if (i === 4) {
            expect(s.status).toBe('rejected');
            const err = (s as PromiseRejectedResult).reason;
            expect(isUniqueViolation(err)).toBe(true);
            expect((err as { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
          } else {
            expect(s).toEqual({ status: 'fulfilled', value: true });
          }
        }
        // The failed rotation's advance and spend were rolled back with its savepoint...
        expect(await otherStores.refresh.getFamily(victim.family.id)).toEqual(victim.family);
        expect(await otherStores.refresh.getToken(victim.token.hash)).toEqual(victim.token);
        expect(await tokensOf(victim.family.id, otherStores)).toEqual([{ hash: victim.token.hash, generation: 6 }]);
        expect(committedGeneration(victim.family.id)).toBe(6);
        // ...the token it collided with still belongs to its own family...
        expect((await otherStores.refresh.getToken(collidesWith))?.familyId).toBe(seeded[0]!.family.id);
        // ...and every other rotation of the batch, before and after it, was committed.
        for (const [i, { family, token }] of seeded.entries()) {
          if (i === 4) continue;
          await expectRotated(family, token, rs[i]!, otherStores);
        }
        // The failed family still rotates afterwards.
        const retry = rotationOf(victim.family, victim.token);
        expect(await stores.refresh.rotate(retry)).toBe(true);
        await expectRotated(victim.family, victim.token, retry, otherStores);
      });

      it('batches a losing rotation with the winner of the same family in one tick', async () => {
        const { family, token } = await seed(1);
        const first = rotationOf(family, token);
        const second = rotationOf(family, token);
        const [a, b] = await Promise.all([stores.refresh.rotate(first), stores.refresh.rotate(second)]);
        // Queue order is request order: the first wins.
        expect([a, b]).toEqual([true, false]);
        await expectRotated(family, token, first, otherStores);
        expect(await otherStores.refresh.getToken(second.next.hash)).toBeNull();
      });

      describe('without the native handle (a Kysely transaction per rotation)', () => {
        let plain: Stores;
        beforeAll(() => {
          plain = createStores(db.db, 'sqlite');
          kyselyOf.set(plain, db.db);
        });

        it('rotates, committed, and refuses a stale generation', async () => {
          const { family, token } = await seed(3, 'active', plain);
          const r = rotationOf(family, token);
          expect(await plain.refresh.rotate(r)).toBe(true);
          await expectRotated(family, token, r, plain);
          await expectRotated(family, token, r, otherStores);
          const stale = rotationOf(family, token);
          expect(await plain.refresh.rotate(stale)).toBe(false);
          await expectRotated(family, token, r, otherStores);
          expect(await plain.refresh.getToken(stale.next.hash)).toBeNull();
        });

        it('refuses a revoked family and writes nothing', async () => {
          const { family, token } = await seed(3, 'revoked', plain);
          const r = rotationOf(family, token);
          expect(await plain.refresh.rotate(r)).toBe(false);
          await expectUnchanged(family, token, r.next.hash, otherStores);
        });

        it('of 20 concurrent rotations, exactly one wins', async () => {
          const { family, token } = await seed(5, 'active', plain);
          const rs = Array.from({ length: 20 }, (_, i) => rotationOf(family, token, { at: T + i }));
          const won = await Promise.all(rs.map((r) => plain.refresh.rotate(r)));
          expect(won.filter((w) => w)).toHaveLength(1);
          await expectRotated(family, token, rs[won.indexOf(true)]!, otherStores);
        });

        it('rolls back a rotation whose successor collides, whole', async () => {
          const taken = await seed(3, 'active', plain);
          const { family, token } = await seed(3, 'active', plain);
          const r = rotationOf(family, token, { next: { hash: taken.token.hash, expiresAt: null } });
          const err = await plain.refresh.rotate(r).then(
            () => null,
            (e: unknown) => e,
          );
          expect(isUniqueViolation(err)).toBe(true);
          await expectUnchanged(family, token, uid('none'), otherStores);
        });
      });
    });
  });
});
