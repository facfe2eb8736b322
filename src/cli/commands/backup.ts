import type { Command } from 'commander';
import { AdminError } from '../../admin/problem.js';
import { BackupRefused, backupSqlite, pgDumpAdvice } from '../../storage/backup.js';
import { fail, print } from '../output.js';
import { configFrom, type GlobalOptions } from '../runtime.js';

type Opts = GlobalOptions & { to: string; force?: boolean };

/**
 * `grantry backup --to <file>`: an online copy of the embedded SQLite database, safe while servers run.
 * It needs no master key and copies only the database: the master key that unseals what is in it is
 * kept apart from the backup (docs/operations.md, "Backups"). PostgreSQL is refused with the pg_dump
 * command to run instead.
 */
export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('copy the SQLite database to a file while the server runs (online backup API); on PostgreSQL, prints the pg_dump command to use')
    .requiredOption('--to <file>', 'destination file (refused if it exists, unless --force)')
    .option('--force', 'replace the destination file')
    .option('--json', 'print JSON')
    .option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)')
    .option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)')
    .action(async (o: Opts) => {
      try {
        const config = configFrom(o);
        if (!config.databaseUrl.startsWith('sqlite:')) throw new AdminError('invalid_input', pgDumpAdvice(config.databaseUrl));
        const r = await backupSqlite(config.databaseUrl.slice('sqlite:'.length), o.to, { force: o.force === true });
        print(o, r, () =>
          [
            `backed up ${r.source} to ${r.to}: ${r.bytes} bytes, ${r.pages} pages, ${r.duration_ms} ms, integrity ok`,
            'The copy is useless without the master key (GRANTRY_MASTER_KEY, or master.key in the data folder in development). Keep that key, but not next to this file.',
          ].join('\n'),
        );
      } catch (err) {
        fail(err instanceof BackupRefused ? new AdminError(err.kind, err.message) : err, o.json ?? false);
      }
    });
}
