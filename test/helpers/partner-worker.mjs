// A partner worker process for the concurrency proof (test/integration/partner-concurrency.test.ts):
// calls getAccessToken in a loop for every installation until the deadline, through the built kit
// (dist/partner), and prints its counts as one JSON line. Configuration: PARTNER_WORKER (JSON).
import { createTokenManager, sqliteStore, postgresStore, InstallationRevokedError } from '../../dist/partner/index.js';

const cfg = JSON.parse(process.env.PARTNER_WORKER ?? '{}');
const store = cfg.store.kind === 'sqlite' ? sqliteStore({ path: cfg.store.path, key: cfg.key }) : postgresStore({ connectionString: cfg.store.connectionString, key: cfg.key, poolSize: 5 });
let refreshes = 0;
let rotated = 0;
let retried = 0;
const manager = createTokenManager({
  issuer: cfg.issuer,
  clientId: cfg.clientId,
  clientSecret: cfg.clientSecret,
  store,
  logger: (level, message, fields) => process.stderr.write(`${level} ${message} ${JSON.stringify(fields)}\n`),
  onRefresh: (info) => {
    refreshes++;
    if (process.env.PARTNER_WORKER_DEBUG) process.stderr.write(`refresh ${Date.now()} ${info.installationId.slice(-4)} ${info.durationMs} ms\n`);
    if (info.rotated) rotated++;
    if (info.attempts > 1) retried++;
  },
});

const counts = { slowestCallMs: 0, calls: 0, invalidGrant: 0, otherErrors: 0, errors: [], refreshes: 0, rotated: 0, retried: 0, distinctTokens: 0 };
const seen = new Set();
// Warm up (the store opened, its tables created), say ready, and start when the parent says so: under
// load, starting eight processes takes seconds, which must not eat into the measured time.
await store.get('warm-up');
const startAt = await new Promise((resolve) => {
  process.once('message', (m) => resolve(m.startAt));
  process.send({ ready: true });
});
process.disconnect();
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const deadline = startAt + cfg.durationMs;
// One loop per installation, so a call waiting for a refresh holds back only its own installation.
await Promise.all(
  cfg.installations.map(async (id) => {
    while (Date.now() < deadline) {
      const started = Date.now();
      try {
        seen.add(await manager.getAccessToken(id));
        counts.calls++;
      } catch (err) {
        if (err instanceof InstallationRevokedError) counts.invalidGrant++;
        else counts.otherErrors++;
        if (counts.errors.length < 5) counts.errors.push(`${err.name}: ${err.message}`);
      }
      counts.slowestCallMs = Math.max(counts.slowestCallMs, Date.now() - started);
      // A short pause between calls: the loops stay hot (about a thousand calls per second per process)
      // without eight processes starving the server of the two CPUs.
      await new Promise((r) => setTimeout(r, cfg.pauseMs ?? 20));
    }
  }),
);
await manager.close();
await store.close();
Object.assign(counts, { refreshes, rotated, retried, distinctTokens: seen.size, cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000) });
process.stdout.write(JSON.stringify(counts) + '\n');
