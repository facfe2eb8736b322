/**
 * Encryption at rest of the tokens a store keeps: AES-256-GCM (NIST SP 800-38D) from node:crypto, a
 * fresh 96-bit IV per value (§8.2.2: never reuse an IV under one key), the installation id and the
 * field as additional authenticated data, so a sealed refresh token copied into another installation's
 * row, or into the access-token column, fails to open instead of being used.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SealError } from './errors.js';

/** A 256-bit key: 32 bytes, or their base64 (44 characters) or hex (64 characters) text. */
export type KeyInput = string | Uint8Array;

export interface Sealer {
  seal(plaintext: string, installationId: string, field: string): string;
  open(sealed: string, installationId: string, field: string): string;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyBytes(input: KeyInput): Buffer {
  let key: Buffer;
  if (typeof input === 'string') {
    const text = input.trim();
    key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  } else {
    key = Buffer.from(input);
  }
  // The key itself never appears in the message.
  if (key.length !== 32) throw new SealError(`the store key must be 32 bytes (base64 or hex text, or bytes); got ${key.length} bytes`);
  return key;
}

const aad = (installationId: string, field: string): Buffer => Buffer.from(`grantry/partner:${VERSION}:${field}:${installationId}`, 'utf8');

/**
 * A sealer for one key, or for several during a key rotation: the first seals, every one of them opens
 * (GCM's tag tells which key fits).
 */
export function createSealer(key: KeyInput | readonly KeyInput[]): Sealer {
  const list = (Array.isArray(key) ? key : [key]) as KeyInput[];
  if (list.length === 0) throw new SealError('a store key is required');
  const keys = list.map(keyBytes);
  const current = keys[0]!;
  return {
    seal(plaintext, installationId, field) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(aad(installationId, field));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed, installationId, field) {
      const dot = sealed.indexOf('.');
      if (dot < 0 || sealed.slice(0, dot) !== VERSION) throw new SealError(`a sealed ${field} has an unknown format`);
      const raw = Buffer.from(sealed.slice(dot + 1), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new SealError(`a sealed ${field} is truncated`);
      const iv = raw.subarray(0, IV_BYTES);
      const tag = raw.subarray(raw.length - TAG_BYTES);
      const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
      for (const k of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', k, iv);
          decipher.setAAD(aad(installationId, field));
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
        } catch {
          // Not this key (or tampered): try the next one.
        }
      }
      throw new SealError(`the ${field} of installation ${installationId} does not decrypt with the configured key(s)`);
    },
  };
}
