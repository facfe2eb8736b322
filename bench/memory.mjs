// bench/memory.mjs — the memory part of `npm run bench`: one Grantry server under client_credentials load for
// `count` requests (default 1,000,000), its RSS (VmRSS from /proc/PID/status) after the first `first` requests
// (10,000) and after all of them, with the curve in between: a checkpoint after every autocannon chunk (requests
// done → RSS) and a time series sampled every `sampleMs` while it runs.
import path from 'node:path';
import * as lib from './lib.mjs';
import { prepareClientCredentials } from './cc.mjs';
import { memoryPlan } from './report.mjs';

export async function benchMemory({ alg = 'ES256', count = 1_000_000, first = 10_000, chunks = 20, serverCpu = null, loadCpu = null, connections = 50, out, sampleMs = 1000 }) {
  const plan = memoryPlan(count, first, chunks);
  const tag = `memory-${alg}`;
  const p = await prepareClientCredentials({ alg, cpu: serverCpu, logFile: path.join(out, `grantry-${tag}.log`), label: `grantry ${tag}` });
  const pid = p.server.pid;
  const t0 = performance.now();
  const at = () => Number(((performance.now() - t0) / 1000).toFixed(3));
  const samples = [];
  const checkpoints = [];
  let done = 0;
  const sample = () => {
    const m = lib.memStatus(pid);
    if (m) samples.push({ t_s: at(), requests_done: done, rss_kib: m.rss_kib });
  };
  const start = lib.memStatus(pid);
  checkpoints.push({ requests: 0, t_s: 0, ...start });
  sample();
  const timer = setInterval(sample, sampleMs);
  let non2xx = 0, errors = 0;
  lib.log(`${tag}: ${lib.fmt0(count)} requests in ${plan.length} chunks (first ${lib.fmt0(plan[0])}), RSS at start ${(start.rss_kib / 1024).toFixed(1)} MiB`);
  try {
    for (const [i, amount] of plan.entries()) {
      // bounded: at least 100 req/s, or the run is broken anyway
      const r = await lib.autocannonRun({ url: p.url, connections, amount, timeoutS: Math.ceil(amount / 100) + 60, headers: p.headers, body: p.body, cpu: loadCpu, serverPid: pid, serverCpu });
      if (p.server.child.exitCode !== null || p.server.child.signalCode !== null) throw new Error(`${tag}: server pid ${pid} exited during chunk ${i + 1}`);
      done += r.requests;
      non2xx += r.non2xx;
      errors += r.errors;
      const m = lib.memStatus(pid);
      checkpoints.push({ requests: done, t_s: at(), rps: r.rps, non2xx: r.non2xx, errors: r.errors, ...m });
      lib.log(`  ${lib.fmt0(done)} requests: RSS ${(m.rss_kib / 1024).toFixed(1)} MiB (peak ${(m.hwm_kib / 1024).toFixed(1)}), ${lib.fmt0(r.rps)} req/s, non-2xx ${r.non2xx}, errors ${r.errors}`);
    }
  } finally {
    clearInterval(timer);
    await p.cleanup();
  }
  const firstCp = checkpoints[1];
  const last = checkpoints.at(-1);
  return {
    alg, count, first, requests_done: done, connections, pinned: serverCpu !== null,
    rss_start_kib: start.rss_kib,
    rss_first_kib: firstCp.rss_kib,
    rss_final_kib: last.rss_kib,
    hwm_final_kib: last.hwm_kib,
    growth: last.rss_kib / firstCp.rss_kib,
    non2xx, errors,
    samples: samples.length,
    checkpoints,
    rss_samples: samples,
  };
}
