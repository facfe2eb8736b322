import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';

export interface MasterKeyResult {
  key: Buffer;
  /** Set when a development key was generated or read from the data dir: the caller logs it as a warning. */
  warning?: string;
}

/** Decodes a base64 master key (32 bytes); the error names `source`, never the value. */
export function decodeMasterKey(value: string, source: string): Buffer {
  return decode(value, source);
}

/** Where development keeps its generated master key (used when GRANTRY_MASTER_KEY is not set). */
export const developmentKeyFile = (config: Pick<Config, 'dataDir'>): string => join(config.dataDir, 'master.key');

function decode(value: string, source: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) throw new ConfigError(`${source}: the master key must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
  return key;
}

/**
 * GRANTRY_MASTER_KEY encrypts private keys and the hash pepper at rest. Production refuses to start
 * without it; development generates one into the data dir so `npm start` works on a fresh machine.
 */
export function loadMasterKey(config: Config): MasterKeyResult {
  if (config.masterKey) return { key: decode(config.masterKey, 'GRANTRY_MASTER_KEY') };
  if (config.production) throw new ConfigError('GRANTRY_MASTER_KEY is required when NODE_ENV=production');
  const file = developmentKeyFile(config);
  if (existsSync(file)) {
    return {
      key: decode(readFileSync(file, 'utf8'), file),
      warning: `using the development master key in ${file}; set GRANTRY_MASTER_KEY in production`,
    };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  // wx: never overwrite a key another process wrote in the meantime.
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadMasterKey(config);
    throw err;
  }
  return {
    key,
    warning: `generated a development master key in ${file}; set GRANTRY_MASTER_KEY in production`,
  };
}
