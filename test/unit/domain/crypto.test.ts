import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { Hasher } from '../../../src/crypto/hasher.js';

const spy = vi.hoisted(() => ({ calls: 0 }));
// Observe node:crypto's timingSafeEqual to prove the comparison goes through it (constant time).
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      spy.calls++;
      return actual.timingSafeEqual(a, b);
    },
  };
});

describe('SecretBox (AES-256-GCM bound to a context)', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('round-trips strings and buffers', () => {
    const sealed = box.encrypt('{"d":"private"}', 'signing_keys:k1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('private');
    expect(box.decrypt(sealed, 'signing_keys:k1').toString('utf8')).toBe('{"d":"private"}');
    const bytes = randomBytes(32);
    expect(box.decrypt(box.encrypt(bytes, 'meta:x'), 'meta:x').equals(bytes)).toBe(true);
  });

  it('uses a fresh IV for every encryption', () => {
    expect(box.encrypt('same', 'c')).not.toBe(box.encrypt('same', 'c'));
  });

  it('fails with the wrong context (a value copied to another row)', () => {
    const sealed = box.encrypt('secret', 'signing_keys:k1');
    expect(() => box.decrypt(sealed, 'signing_keys:k2')).toThrow();
  });

  it('fails with another master key or another purpose', () => {
    const sealed = box.encrypt('secret', 'c');
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed, 'c')).toThrow();
    expect(() => new SecretBox(key, 'other-purpose').decrypt(sealed, 'c')).toThrow();
  });

  it('fails when the ciphertext, the IV or the tag is tampered with', () => {
    const sealed = box.encrypt('a secret worth keeping', 'c');
    const parts = sealed.split('.');
    for (const i of [1, 2, 3]) {
      const raw = Buffer.from(parts[i]!, 'base64url');
      raw[0] = raw[0]! ^ 0x01;
      const tampered = parts.map((p, j) => (j === i ? raw.toString('base64url') : p)).join('.');
      expect(() => box.decrypt(tampered, 'c'), `part ${i}`).toThrow();
    }
  });

  it('refuses an unknown format', () => {
    expect(() => box.decrypt('v2.a.b.c', 'c')).toThrow(/unknown format/);
    expect(() => box.decrypt('garbage', 'c')).toThrow(/unknown format/);
  });
});

describe('Hasher (HMAC-SHA-256 with a pepper)', () => {
  const hasher = new Hasher(randomBytes(32));

  it('matches the right secret and not a wrong one, comparing in constant time', () => {
    const stored = hasher.hash('gs_correct-horse-battery-staple');
    const before = spy.calls;
    expect(hasher.matches('gs_correct-horse-battery-staple', stored)).toBe(true);
    expect(hasher.matches('gs_correct-horse-battery-stapl', stored)).toBe(false);
    expect(hasher.matches('gs_correct-horse-battery-staple ', stored)).toBe(false);
    expect(hasher.matches('', stored)).toBe(false);
    expect(spy.calls - before).toBe(4);
  });

  it('is deterministic under one pepper and differs under another', () => {
    expect(hasher.hash('s')).toBe(hasher.hash('s'));
    expect(new Hasher(randomBytes(32)).hash('s')).not.toBe(hasher.hash('s'));
    expect(hasher.hash('s')).not.toContain('s'.repeat(2));
  });

  it('returns false (does not throw) for a stored hash of the wrong length', () => {
    expect(hasher.matches('s', 'abc')).toBe(false);
    expect(hasher.matches('s', '')).toBe(false);
  });

  it('refuses a short pepper', () => {
    expect(() => new Hasher(randomBytes(16))).toThrow(/at least 32 bytes/);
  });

  it('costs microseconds, not a password hash', () => {
    const stored = hasher.hash('x'.repeat(43));
    const start = performance.now();
    for (let i = 0; i < 2000; i++) hasher.matches('y'.repeat(43), stored);
    // 2000 checks in well under a second: a bcrypt-style hash would take tens of seconds.
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
