import { describe, expect, it } from 'vitest';
import { cryptoRandom, newId, type Random } from '../../../src/domain/random.js';

const fixedRandom = (byte: number): Random => ({
  token: () => 'x',
  uuid: () => '00000000-0000-4000-8000-000000000000',
  bytes: (n) => Buffer.alloc(n, byte),
});

describe('newId (prefixed ULID)', () => {
  it('has the prefix and 26 lower-case Crockford characters', () => {
    const id = newId('org', Date.UTC(2026, 0, 1), cryptoRandom);
    expect(id).toMatch(/^org_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('encodes the time in the first 10 characters', () => {
    // 2^48 - 1 ms is the largest ULID time: all 7s then Zs.
    expect(newId('x', 0, fixedRandom(0))).toBe('x_' + '0'.repeat(26));
    expect(newId('x', 2 ** 48 - 1, fixedRandom(0)).slice(2, 12)).toBe('7zzzzzzzzz');
    expect(newId('x', 0, fixedRandom(255)).slice(12)).toBe('z'.repeat(16));
  });

  it('sorts by creation time', () => {
    const ids: string[] = [];
    const start = Date.UTC(2026, 10, 22);
    for (let i = 0; i < 200; i++) ids.push(newId('evt', start + i * 7, cryptoRandom));
    const shuffled = [...ids].sort(() => Math.random() - 0.5);
    expect(shuffled.sort()).toEqual(ids);
    // Across a base-32 digit boundary too.
    expect(newId('a', 31, cryptoRandom) < newId('a', 32, cryptoRandom)).toBe(true);
  });

  it('is unique within one millisecond', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(newId('sec', 1_700_000_000_000, cryptoRandom));
    expect(ids.size).toBe(10_000);
  });
});

describe('cryptoRandom', () => {
  it('gives base64url tokens of the asked entropy, all different', () => {
    const a = cryptoRandom.token(32);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cryptoRandom.token(32)).not.toBe(a);
    expect(cryptoRandom.bytes(16)).toHaveLength(16);
  });
});
