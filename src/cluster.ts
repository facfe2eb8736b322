import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';

/** `--workers 0` means one worker per CPU the process may use. */
export function workerCount(requested: number): number {
  return requested === 0 ? availableParallelism() : requested;
}

/**
 * The primary of `grantry serve --workers N`: N processes (node:cluster) accept connections on one
 * port; they share nothing but the database, as separate instances do (DESIGN: scale-out), so their
 * caches stay coherent through the change feed (storage/changes.ts) and their webhook workers claim
 * deliveries without overlap. A worker that dies is replaced; SIGTERM/SIGINT stop them all gracefully.
 */
export function runPrimary(count: number, log: Logger): void {
  let stopping = false;
  const started = new Map<number, number>();
  let rapidDeaths = 0;

  const fork = (): Worker => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    return worker;
  };
  for (let i = 0; i < count; i++) fork();
  log.info({ workers: count, pid: process.pid }, `Grantry primary: starting ${count} workers`);

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info('all workers stopped');
        process.exit(0);
      }
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'a worker exited; starting another');
    // A worker that cannot even start (a bad port, a broken database) would otherwise be respawned forever.
    rapidDeaths = lived < 5000 ? rapidDeaths + 1 : 0;
    if (rapidDeaths >= 5) {
      log.fatal('workers keep dying on start; giving up');
      process.exit(1);
    }
    setTimeout(fork, rapidDeaths * 500).unref();
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down the workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w.process.kill('SIGTERM');
    // A worker stuck in shutdown is killed: in-flight requests had their chance.
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, 15_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

export const isPrimary = (): boolean => cluster.isPrimary;
