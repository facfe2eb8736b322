import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { loadMasterKey } from '../crypto/master-key.js';
import { createRuntime, type Runtime } from '../runtime.js';
import type { AdminContext } from '../admin/context.js';
import { cliPrincipal } from '../admin/access.js';
import { fail } from './output.js';

export interface GlobalOptions {
  json?: boolean;
  databaseUrl?: string;
  dataDir?: string;
}

export function configFrom(opts: GlobalOptions, overrides: Partial<Config> = {}): Config {
  return loadConfig(process.env, { ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}), ...overrides });
}

/** Opens the same database a server would (same settings), runs `fn`, closes. Errors become exit codes. */
export async function withRuntime<T>(opts: GlobalOptions, fn: (rt: Runtime) => Promise<T>): Promise<void> {
  let rt: Runtime | null = null;
  try {
    const config = configFrom(opts);
    const master = loadMasterKey(config);
    // Commands print their result on stdout; the dev-key notice goes to stderr so --json stays parseable.
    if (master.warning && !opts.json) process.stderr.write(`warning: ${master.warning}\n`);
    rt = await createRuntime({ config, masterKey: master.key });
    await fn(rt);
  } catch (err) {
    if (rt) await rt.close().catch(() => {});
    fail(err, opts.json ?? false);
  }
  await rt?.close();
}

export const CLI_ACTOR = 'cli';

/**
 * The CLI's context for the operations in src/admin: a platform administrator. Whoever runs it already
 * holds the database URL and the master key, so no rule of the management API could hold them back.
 */
export const cliAdmin = (rt: Runtime): AdminContext => rt.admin(CLI_ACTOR, cliPrincipal(CLI_ACTOR));
