import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness is injected (like time) so tests can make ids predictable where that helps. */
export interface Random {
  /** `bytes` random bytes as unpadded base64url. */
  token(bytes: number): string;
  uuid(): string;
  bytes(n: number): Buffer;
}

export const cryptoRandom: Random = {
  token: (bytes) => randomBytes(bytes).toString('base64url'),
  uuid: () => randomUUID(),
  bytes: (n) => randomBytes(n),
};

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The last id's time and random part, so ids made in the same millisecond still sort in order. */
let last: { time: number; rand: Buffer } | null = null;

/**
 * A ULID (48-bit time + 80 random bits, Crockford base32), lower-cased, behind a type prefix such as
 * `org_`. Ids sort by creation time, which gives the management API stable keyset pagination; within
 * one millisecond the random part is incremented (ULID's monotonic mode), so order is kept there too.
 */
export function newId(prefix: string, nowMs: number, random: Random): string {
  let rand: Buffer;
  if (last && last.time === nowMs) {
    rand = Buffer.from(last.rand);
    // Increment the 80-bit random part as a big-endian counter.
    for (let i = rand.length - 1; i >= 0; i--) {
      rand[i] = (rand[i]! + 1) & 0xff;
      if (rand[i] !== 0) break;
    }
  } else {
    rand = random.bytes(10);
  }
  last = { time: nowMs, rand };
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let encoded = '';
  // 80 bits → 16 base32 characters, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (const byte of rand) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      encoded += CROCKFORD[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return `${prefix}_${(time + encoded).toLowerCase()}`;
}
