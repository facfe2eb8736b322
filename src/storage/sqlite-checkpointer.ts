import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/*
 * WAL checkpoints off the event loop. By default SQLite checkpoints inside whichever COMMIT takes the
 * WAL past `wal_autocheckpoint` frames: that commit copies the WAL's pages into the database file and
 * waits for two fsyncs, on the thread that serves requests. Under a steady write load (refresh
 * rotations) that was a third to a half of the write path's cost, measured in-process, and a stall of
 * every request behind it (docs/performance.md). Here a worker thread with a connection of its own runs
 * `wal_checkpoint(PASSIVE)` every `intervalMs`: PASSIVE never waits for a lock and never blocks the
 * writer, and the copies and the fsyncs happen off the event loop.
 *
 * The serving connection keeps a raised `wal_autocheckpoint` as the bound on the WAL: a concurrent
 * checkpoint can only copy the frames that existed when it started, and the WAL restarts from its
 * beginning only when a write begins with every frame copied. Under a steady stream of commits that
 * moment is rare, so the writer's own checkpoint, with almost nothing left to copy, is what restarts
 * it; `journal_size_limit` then truncates the file.
 *
 * The code is CommonJS run with `eval`, so the same worker runs from dist/ and from the sources (tests).
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const failed = (err, what) =>
  parentPort.postMessage({ type: 'error', message: what + ': ' + String((err && err.message) || err), code: err && err.code });
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  // Never waits: a checkpoint that finds the lock taken (another checkpoint) is simply skipped.
  db.pragma('busy_timeout = 0');
  // The checkpoint's fsyncs are the same as the writer's would be.
  db.pragma('synchronous = NORMAL');
} catch (err) {
  failed(err, 'cannot open the database');
  parentPort.close();
}
// Only a requested checkpoint (id) reports its result; the timer's report only failures.
const checkpoint = (id) => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (id !== undefined) parentPort.postMessage({ type: 'checkpoint', id, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    if (id !== undefined) parentPort.postMessage({ type: 'checkpoint', id, busy: 1, log: -1, checkpointed: -1 });
    if (!(err && err.code === 'SQLITE_BUSY')) failed(err, 'checkpoint');
  }
};
if (db) {
  const timer = setInterval(() => checkpoint(undefined), workerData.intervalMs);
  parentPort.on('message', (m) => {
    if (m && m.checkpoint !== undefined) return checkpoint(m.checkpoint);
    if (m !== 'stop') return;
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
}
`;

export interface CheckpointResult {
  busy: number;
  /** Frames in the WAL when the checkpoint ran. */
  log: number;
  /** Frames copied into the database file (all of them, when equal to `log`). */
  checkpointed: number;
}

export interface Checkpointer {
  /** Runs one checkpoint now (tests); resolves with its result (busy 1, log and checkpointed -1 when it could not run). */
  checkpointNow(): Promise<CheckpointResult>;
  /** Stops the worker and closes its connection; call before the last connection to the file closes. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  intervalMs: number;
  /** A checkpoint that failed (not one skipped because another was running). The next one runs on time. */
  onError?: (err: Error) => void;
}

export function startCheckpointer(path: string, options: CheckpointerOptions): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(SOURCE, { eval: true, workerData: { path, driver, intervalMs: options.intervalMs } });
  // It must not keep a process alive that is otherwise done.
  worker.unref();
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const waiting = new Map<number, (r: CheckpointResult) => void>();
  let nextId = 0;
  worker.on('message', (m: { type: string; id?: number } & Partial<CheckpointResult> & { message?: string; code?: string }) => {
    if (m.type === 'checkpoint') {
      waiting.get(m.id!)?.({ busy: m.busy!, log: m.log!, checkpointed: m.checkpointed! });
      waiting.delete(m.id!);
    } else if (m.type === 'error') options.onError?.(Object.assign(new Error(`background WAL checkpoint: ${m.message}`), { code: m.code }));
  });
  // A crash of the worker itself (errors from the native driver arrive as plain objects).
  worker.on('error', (err: unknown) => {
    const e = err as { message?: string; code?: string } | null;
    options.onError?.(Object.assign(new Error(`background WAL checkpoint: the worker stopped: ${e?.message ?? e?.code ?? String(err)}`), { code: e?.code }));
  });
  return {
    checkpointNow: () =>
      new Promise((resolve, reject) => {
        if (exited) return reject(new Error('the checkpointer has stopped'));
        const id = nextId++;
        waiting.set(id, resolve);
        worker.postMessage({ checkpoint: id });
      }),
    stop: async () => {
      if (exited) return;
      // Waiting for it must keep the process alive (it is unref'd while it runs).
      worker.ref();
      worker.postMessage('stop');
      await exit;
    },
  };
}
