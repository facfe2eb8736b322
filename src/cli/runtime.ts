import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { loadMasterKey } from '../crypto/master-key.js';
import { createRuntime, type Runtime } from '../runtime.js';
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
