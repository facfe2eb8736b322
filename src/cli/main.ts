#!/usr/bin/env node
import { Command } from 'commander';
import { pino } from 'pino';
import { settings, SIGNING_ALGS, type Config } from '../config/schema.js';
import { loadMasterKey } from '../crypto/master-key.js';
import { openDb } from '../storage/db.js';
import { migrateTo, migrateToLatest } from '../storage/migrations/index.js';
import { createStores } from '../storage/kysely/index.js';
import { loggerOptions, startServer } from '../server.js';
import { isPrimary, runPrimary, workerCount } from '../cluster.js';
import { createRuntime } from '../runtime.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerWebhookCommands } from './commands/webhooks.js';
import { registerInstallationCommands } from './commands/installations.js';
import { registerUserCommands } from './commands/users.js';
import { registerMasterKeyCommands } from './commands/master-key.js';
import { registerPurgeCommand } from './commands/purge.js';
import { registerBackupCommand } from './commands/backup.js';
import { fail, print } from './output.js';
import { configFrom, type GlobalOptions } from './runtime.js';

const program = new Command();
program.name('grantry').description('Grantry: OAuth 2.0 token service').showHelpAfterError();

const serve = program.command('serve').description('start the server (migrates the database and creates a signing key on first start)');
for (const [key, setting] of Object.entries(settings)) {
  if (!setting.flag) continue;
  serve.option(`${setting.flag} <value>`, `${setting.description} (${setting.env})`);
  void key;
}
serve.action(async (o: Record<string, string | undefined>) => {
  let config: Config;
  try {
    const overrides: Partial<Record<keyof Config, unknown>> = {};
    if (o.port !== undefined) {
      if (!/^\d+$/.test(o.port)) throw new Error('--port must be a number');
      overrides.port = Number(o.port);
    }
    if (o.workers !== undefined) {
      if (!/^\d+$/.test(o.workers) || Number(o.workers) > 256) throw new Error('--workers must be a number from 0 (one per CPU) to 256');
      overrides.workers = Number(o.workers);
    }
    if (o.signingAlg !== undefined && !SIGNING_ALGS.includes(o.signingAlg as never)) throw new Error(`--signing-alg must be one of ${SIGNING_ALGS.join(', ')}`);
    for (const k of ['host', 'issuer', 'logLevel', 'signingAlg'] as const) if (o[k] !== undefined) overrides[k] = o[k];
    config = configFrom({ dataDir: o.dataDir, databaseUrl: o.databaseUrl }, overrides as Partial<Config>);
  } catch (err) {
    fail(err, false);
  }
  const log = pino(loggerOptions(config));
  const workers = workerCount(config.workers);
  if (workers > 1 && isPrimary()) {
    try {
      // Once, before the workers start: the master key file, migrations and the first signing key,
      // so the workers do not race to create them.
      const master = loadMasterKey(config);
      if (master.warning) log.warn(master.warning);
      await (await createRuntime({ config, masterKey: master.key })).close();
    } catch (err) {
      log.fatal({ err: (err as Error).message }, 'Grantry could not start');
      fail(err, false);
    }
    runPrimary(workers, log);
    return;
  }
  try {
    const server = await startServer(config, log);
    const db = config.databaseUrl.startsWith('sqlite:') ? `SQLite ${config.databaseUrl.slice(7)}` : 'PostgreSQL';
    log.info({ url: server.url, issuer: config.issuer, database: db }, `Grantry listening on ${server.url}`);
    const admin = await server.rt.stores.meta.get('admin_application_id');
    log.info(
      admin
        ? 'admin credentials: the admin application exists; its client_id and secret were printed by `npx grantry init` (rotate with `npx grantry apps rotate-secret`)'
        : 'admin credentials: none yet. Run `npx grantry init` to create the admin application and print its client_id and client_secret',
    );
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      server.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'Grantry could not start');
    fail(err, false);
  }
});

program
  .command('migrate')
  .description('apply pending database migrations (or, with --to, migrate up or down to a named one)')
  .option('--to <migration>', 'migrate up or down to this migration, e.g. 0006-purge-indexes (stop every grantry serve first)')
  .option('--json', 'print JSON')
  .option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)')
  .option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)')
  .action(async (o: GlobalOptions & { to?: string }) => {
    try {
      const config = configFrom(o);
      loadMasterKey(config);
      const db = openDb(config.databaseUrl);
      try {
        const result = o.to ? await migrateTo(db.db, db.dialect, o.to) : await migrateToLatest(db.db, db.dialect);
        await createStores(db.db, db.dialect).ping();
        const done = (result.results ?? []).filter((r) => r.status === 'Success');
        const applied = done.filter((r) => r.direction === 'Up').map((r) => r.migrationName);
        const reverted = done.filter((r) => r.direction === 'Down').map((r) => r.migrationName);
        const said = [applied.length ? `applied ${applied.join(', ')}` : '', reverted.length ? `reverted ${reverted.join(', ')}` : ''].filter(Boolean).join('; ');
        print(o, { applied, reverted }, () => said || 'the database is up to date');
      } finally {
        await db.close();
      }
    } catch (err) {
      fail(err, o.json ?? false);
    }
  });

registerAdminCommands(program);
registerWebhookCommands(program);
registerInstallationCommands(program);
registerUserCommands(program);
registerMasterKeyCommands(program);
registerPurgeCommand(program);
registerBackupCommand(program);

await program.parseAsync(process.argv);
