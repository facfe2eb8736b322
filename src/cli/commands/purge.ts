import type { Command } from 'commander';
import { purgeOnce, totalDeleted } from '../../maintenance/purge.js';
import { purgeOptionsFor } from '../../maintenance/purge-job.js';
import { print } from '../output.js';
import { withRuntime, type GlobalOptions } from '../runtime.js';

/** `grantry purge`: one run of the purge job a server runs every GRANTRY_PURGE_INTERVAL seconds. */
export function registerPurgeCommand(program: Command): void {
  program
    .command('purge')
    .description('delete expired rows once (codes, revocations, spent refresh tokens, sessions, old webhook logs) and print the counts per table')
    .option('--json', 'print JSON')
    .option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)')
    .option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)')
    .action(async (o: GlobalOptions) =>
      withRuntime(o, async (rt) => {
        const r = await purgeOnce(purgeOptionsFor(rt));
        const out = { deleted: r.counts, total: totalDeleted(r.counts), capped: r.capped, errors: r.errors };
        print(o, out, () =>
          [
            ...Object.entries(r.counts).map(([table, n]) => `${table.padEnd(22)} ${n}`),
            `total                  ${out.total}`,
            ...(r.capped.length ? [`more rows are due in ${r.capped.join(', ')}: run again`] : []),
            ...r.errors.map((e) => `error in ${e.table}: ${e.error}`),
          ].join('\n'),
        );
        if (r.errors.length > 0) process.exitCode = 3;
      }),
    );
}
