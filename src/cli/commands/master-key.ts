import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../config/load.js';
import { decodeMasterKey, developmentKeyFile, loadMasterKey } from '../../crypto/master-key.js';
import { SecretBox } from '../../crypto/secret-box.js';
import { rotateMasterKey, SEALED_COLUMNS, type MasterKeyRotation, type SealedKind } from '../../admin/master-key.js';
import { openDb } from '../../storage/db.js';
import { MigrationError, pendingMigrations } from '../../storage/migrations/index.js';
import { fail, print } from '../output.js';
import { configFrom, CLI_ACTOR, type GlobalOptions } from '../runtime.js';

const LABELS: Record<SealedKind, string> = {
  hash_pepper: 'hash pepper',
  signing_keys: 'signing private keys',
  webhook_secrets: 'webhook signing secrets',
  webhook_payloads: 'pending webhook payloads',
  refresh_successors: 'refresh-token grace successors',
};

const DEPLOY_STEP =
  'deploy the new key as GRANTRY_MASTER_KEY to every instance and (re)start them: an instance still configured with the old key refuses to start ("GRANTRY_MASTER_KEY does not match the one this database was created with")';

/** Writes `data` to `path` (which must not exist), mode 0600, and flushes it to disk. */
function writeNewFile(path: string, data: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform lets a directory be opened for fsync; the rename itself is still atomic.
  }
}

interface RotateOptions extends GlobalOptions {
  newKey?: string;
  newKeyFile?: string;
}

export function registerMasterKeyCommands(program: Command): void {
  const mk = program.command('master-key').description('the master key that seals signing keys, webhook secrets and the hash pepper');

  mk.command('generate')
    .description('print a fresh random master key (32 bytes, base64) for GRANTRY_MASTER_KEY or `master-key rotate --new-key`')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const key = randomBytes(32).toString('base64');
      print(o, { key }, () => key);
    });

  mk.command('rotate')
    .description(
      're-seal every sealed value with a new master key, in one transaction. The current key comes from GRANTRY_MASTER_KEY or the development key file; stop every instance first (see docs/operations.md).',
    )
    .option('--new-key <base64>', 'the new master key (32 bytes, base64; `grantry master-key generate`). Visible to other local users in the process list: prefer --new-key-file on shared hosts')
    .option('--new-key-file <path>', 'read the new master key from this file instead')
    .option('--json', 'print JSON')
    .option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)')
    .option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)')
    .action(async (o: RotateOptions) => {
      try {
        await rotate(o);
      } catch (err) {
        fail(err, o.json ?? false);
      }
    });
}

async function rotate(o: RotateOptions): Promise<void> {
  if ((o.newKey === undefined) === (o.newKeyFile === undefined)) throw new ConfigError('give the new key with exactly one of --new-key or --new-key-file');
  const newKey = o.newKey !== undefined ? decodeMasterKey(o.newKey, '--new-key') : decodeMasterKey(readFileSync(o.newKeyFile!, 'utf8'), o.newKeyFile!);
  const config = configFrom(o);
  const keyFile = config.masterKey ? null : developmentKeyFile(config);
  // loadMasterKey would generate a development key when there is none; here that would mean there is nothing to rotate.
  if (keyFile && !existsSync(keyFile)) throw new ConfigError(`no master key to rotate: GRANTRY_MASTER_KEY is not set and ${keyFile} does not exist`);
  const oldKey = loadMasterKey(config).key;

  const db = openDb(config.databaseUrl);
  let staged: string | null = null;
  let stagedHere = false;
  try {
    const pending = await pendingMigrations(db.db, db.dialect);
    if (pending.length > 0) throw new MigrationError(`the database schema is outdated (pending: ${pending.join(', ')}); run \`grantry migrate\` first`);

    // Development key file: the new key is staged next to it before the commit and renamed over it
    // after, so that whatever happens the key that opens the database is on disk.
    if (keyFile && !newKey.equals(oldKey)) {
      staged = `${keyFile}.new`;
      if (existsSync(staged)) {
        const left = decodeMasterKey(readFileSync(staged, 'utf8'), staged);
        if (!left.equals(newKey)) {
          throw new ConfigError(
            `${staged} exists, left by an interrupted rotation, and holds a different key: if the database was rotated to it, move it to ${keyFile}; otherwise delete it, then run this again`,
          );
        }
      } else {
        writeNewFile(staged, newKey.toString('base64') + '\n');
        stagedHere = true;
      }
    }

    const result = await rotateMasterKey(db, new SecretBox(oldKey), new SecretBox(newKey), { actor: CLI_ACTOR });

    let keyFileRewritten = false;
    if (staged) {
      renameSync(staged, keyFile!);
      staged = null;
      fsyncDir(dirname(keyFile!));
      keyFileRewritten = true;
    }
    const nextStep = keyFile ? (keyFileRewritten ? `the development key file ${keyFile} now holds the new key; restart the server` : null) : DEPLOY_STEP;
    print(o, { status: result.status, reencrypted: result.reencrypted, already_new_key: result.alreadyNewKey, key_file: keyFile, key_file_rewritten: keyFileRewritten, next_step: nextStep }, () => human(result, nextStep));
  } catch (err) {
    if (staged && stagedHere) {
      try {
        unlinkSync(staged);
      } catch {
        // Leave it: the next run reports it.
      }
    }
    throw err;
  } finally {
    await db.close();
  }
}

function human(result: MasterKeyRotation, nextStep: string | null): string {
  const kinds = SEALED_COLUMNS.map((c) => c.kind);
  const list = (counts: Record<SealedKind, number>) =>
    kinds
      .filter((k) => counts[k] > 0)
      .map((k) => `${counts[k]} ${LABELS[k]}`)
      .join(', ');
  const total = (counts: Record<SealedKind, number>) => kinds.reduce((n, k) => n + counts[k], 0);
  const lines: string[] = [];
  if (result.status === 'unchanged') {
    lines.push(`the database is already sealed with the new key (${total(result.alreadyNewKey)} values); nothing was changed`);
  } else {
    lines.push(`re-sealed ${total(result.reencrypted)} values with the new master key: ${list(result.reencrypted)}`);
    if (total(result.alreadyNewKey) > 0) lines.push(`${total(result.alreadyNewKey)} values were already sealed with the new key: ${list(result.alreadyNewKey)}`);
  }
  if (nextStep) lines.push(`next: ${nextStep}`);
  return lines.join('\n');
}
