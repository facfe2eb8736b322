import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { Clock } from '../domain/clock.js';
import type { Random } from '../domain/random.js';
import type { SigningAlg } from '../config/schema.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { KeyStore, MetaStore, SigningKeyRecord, Stores } from '../storage/ports.js';

export type KeyState = 'pending' | 'active' | 'retired';

interface LoadedKey {
  record: SigningKeyRecord;
  publicJwk: JWK;
  /** Imported once: verification (management API, introspection, revocation) reuses it. */
  publicKey: KeyObject;
  privateKey: KeyObject | null;
  /** base64url of the JOSE header, computed once per key. */
  headerB64: string;
}

export interface KeyInfo {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: number;
  activatesAt: number;
  retiredAt: number | null;
  /** When the key leaves JWKS (retired_at + the longest access-token lifetime). */
  removedAt: number | null;
}

export interface KeyManagerOptions {
  alg: SigningAlg;
  activationDelaySeconds: number;
  /** A retired key stays published this long, so every token it signed can still be verified. */
  retentionSeconds: number;
}

function generate(alg: SigningAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

const sealContext = (kid: string): string => `signing_keys:${kid}`;

/**
 * Signing keys and their lifecycle. A key's state is derived from its times, so every process that
 * shares the database reaches the same answer without coordination:
 *   pending  (published in JWKS, not signing) until activates_at,
 *   active   the key with the latest activates_at that has passed,
 *   retired  once a newer key is active; published until retired_at + retention, then deleted.
 * The hot path (sign) touches only memory; `load()` refreshes from the database on a timer.
 */
export class KeyManager {
  #keys: LoadedKey[] = [];
  #jwksCache: { at: number; body: string } | null = null;

  constructor(
    private readonly store: Pick<Stores, 'keys' | 'meta' | 'transaction'>,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly options: KeyManagerOptions,
  ) {}

  /** Generates the first key if the database has none. Safe when several processes start at once. */
  async bootstrap(): Promise<void> {
    await this.load();
    if (this.#keys.length > 0) return;
    const now = this.clock.now();
    const candidate = this.#newRecord(now, now);
    await this.store.transaction(async (tx) => {
      // The meta row is the lock: only the process whose insert wins stores its key.
      const winner = await tx.meta.putIfAbsent('initial_signing_key', candidate.kid);
      if (winner === candidate.kid) await tx.keys.insert(candidate);
    });
    await this.load();
  }

  async load(): Promise<void> {
    const now = this.clock.now();
    const records = await this.store.keys.all();
    const loaded: LoadedKey[] = [];
    for (const record of records) {
      const removedAt = this.#removedAt(record);
      if (removedAt !== null && removedAt <= now) continue;
      const existing = this.#keys.find((k) => k.record.kid === record.kid);
      if (existing) {
        loaded.push({ ...existing, record });
        continue;
      }
      const publicJwk = JSON.parse(record.publicJwk) as JWK;
      const privateJwk = JSON.parse(this.box.decrypt(record.sealedPrivateJwk, sealContext(record.kid)).toString('utf8')) as JWK;
      const header = { alg: record.alg, typ: 'at+jwt', kid: record.kid };
      loaded.push({
        record,
        publicJwk,
        publicKey: createPublicKey({ key: publicJwk as never, format: 'jwk' }),
        privateKey: createPrivateKey({ key: privateJwk as never, format: 'jwk' }),
        headerB64: Buffer.from(JSON.stringify(header)).toString('base64url'),
      });
    }
    this.#keys = loaded;
    this.#jwksCache = null;
  }

  /** Introduces a new key: published at once, signing after the activation delay. */
  async rotate(alg: SigningAlg = this.options.alg): Promise<KeyInfo> {
    const now = this.clock.now();
    const record = this.#newRecord(now, now + this.options.activationDelaySeconds * 1000, alg);
    await this.store.transaction(async (tx) => {
      await tx.keys.insert(record);
      // The keys it replaces stop signing when it starts; they stay published for the retention period.
      await tx.keys.retireOthers(record.kid, record.activatesAt);
      await tx.keys.deleteRetiredBefore(now - this.options.retentionSeconds * 1000);
    });
    await this.load();
    return this.info(record);
  }

  /** The key that signs now: the latest whose activation time has passed. */
  #active(now: number): LoadedKey {
    let best: LoadedKey | undefined;
    for (const k of this.#keys) {
      if (k.record.activatesAt > now || !k.privateKey) continue;
      if (!best || k.record.activatesAt > best.record.activatesAt || (k.record.activatesAt === best.record.activatesAt && k.record.kid > best.record.kid)) best = k;
    }
    if (!best) throw new Error('no active signing key');
    return best;
  }

  /** Signs a JWT (compact JWS) with the active key. node:crypto's synchronous sign with a cached KeyObject is the cheapest path Node offers. */
  sign(claims: Record<string, unknown>): { token: string; kid: string } {
    const key = this.#active(this.clock.now());
    const input = `${key.headerB64}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const alg = key.record.alg;
    const signature = cryptoSign(
      alg === 'EdDSA' ? null : 'sha256',
      Buffer.from(input),
      // RFC 7518 §3.4: ECDSA signatures in JWS are R || S, not DER.
      alg === 'ES256' ? { key: key.privateKey!, dsaEncoding: 'ieee-p1363' } : key.privateKey!,
    );
    return { token: `${input}.${signature.toString('base64url')}`, kid: key.record.kid };
  }

  /** The public JWK Set: pending, active and retired-but-retained keys (RFC 7517 §5). */
  jwks(): string {
    const now = this.clock.now();
    // Recomputed at most once a second: the set changes only on load() or when a retention ends.
    if (this.#jwksCache && now - this.#jwksCache.at < 1000) return this.#jwksCache.body;
    const keys = this.#keys
      .filter((k) => {
        const removed = this.#removedAt(k.record);
        return removed === null || removed > now;
      })
      .map((k) => ({ ...k.publicJwk, kid: k.record.kid, alg: k.record.alg, use: 'sig' }));
    const body = JSON.stringify({ keys });
    this.#jwksCache = { at: now, body };
    return body;
  }

  publicKey(kid: string): { key: KeyObject; alg: string } | null {
    const k = this.#keys.find((x) => x.record.kid === kid);
    return k ? { key: k.publicKey, alg: k.record.alg } : null;
  }

  list(): KeyInfo[] {
    return this.#keys.map((k) => this.info(k.record));
  }

  info(record: SigningKeyRecord): KeyInfo {
    const now = this.clock.now();
    const active = this.#keys.length > 0 ? this.#active(now).record.kid : null;
    const state: KeyState = record.kid === active ? 'active' : record.activatesAt > now ? 'pending' : 'retired';
    return {
      kid: record.kid,
      alg: record.alg,
      state,
      createdAt: record.createdAt,
      activatesAt: record.activatesAt,
      retiredAt: record.retiredAt,
      removedAt: this.#removedAt(record),
    };
  }

  #removedAt(record: SigningKeyRecord): number | null {
    return record.retiredAt === null ? null : record.retiredAt + this.options.retentionSeconds * 1000;
  }

  #newRecord(now: number, activatesAt: number, alg: SigningAlg = this.options.alg): SigningKeyRecord {
    const { privateKey, publicKey } = generate(alg);
    const kid = this.random.token(12);
    const publicJwk = publicKey.export({ format: 'jwk' });
    const privateJwk = privateKey.export({ format: 'jwk' });
    return {
      kid,
      alg,
      publicJwk: JSON.stringify(publicJwk),
      sealedPrivateJwk: this.box.encrypt(JSON.stringify(privateJwk), sealContext(kid)),
      createdAt: now,
      activatesAt,
      retiredAt: null,
    };
  }
}

export type { KeyStore, MetaStore };
