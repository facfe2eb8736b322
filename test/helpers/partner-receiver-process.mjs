// A partner's webhook receiver as its own process, for the kill -9 test
// (test/integration/partner-receiver-crash.test.ts). With PARTNER_CRASH_MARKER naming a file that does
// not exist yet, the first event kills the process with SIGKILL after the store committed and before
// the answer is written: the worst moment for a receiver to die.
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createInstallationReceiver, sqliteStore } from '../../dist/partner/index.js';

const cfg = JSON.parse(process.env.PARTNER_RECEIVER ?? '{}');
const store = sqliteStore({ path: cfg.path, key: cfg.key });
const receiver = createInstallationReceiver({
  secrets: cfg.secrets,
  store,
  onEvent: (event) => {
    process.stdout.write(`event ${event.type} ${event.webhookId}\n`);
    if (cfg.crashMarker && !existsSync(cfg.crashMarker)) {
      writeFileSync(cfg.crashMarker, event.webhookId);
      process.kill(process.pid, 'SIGKILL');
    }
  },
});
const server = createServer(receiver.nodeHandler);
server.listen(cfg.port, '127.0.0.1', () => process.stdout.write(`listening ${cfg.port}\n`));
