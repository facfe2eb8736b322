// Imports the built grantry/partner in a fresh process and prints, as JSON, what that loaded: every URL
// the ESM loader resolved (a module.register resolve hook), every CommonJS module in require.cache,
// and the import's wall time. With PARTNER_PROBE_USE=sqlite|postgres it then uses that store once,
// to show the driver arrives only then (the check's positive control).
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

const { port1, port2 } = new MessageChannel();
const resolved = [];
port1.on('message', (url) => resolved.push(url));
const hook = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { port: port2 }, transferList: [port2] });

const target = process.argv[2];
const started = performance.now();
const kit = await import(target);
const importMs = performance.now() - started;
const snapshot = async () => {
  await new Promise((r) => setTimeout(r, 100)); // the hook's messages arrive asynchronously
  const cjs = Object.keys(createRequire(import.meta.url).cache);
  return [...new Set([...resolved, ...cjs.map((p) => `file://${p}`)])];
};
const afterImport = await snapshot();
let afterUse = null;
if (process.env.PARTNER_PROBE_USE === 'sqlite') {
  const store = kit.sqliteStore({ path: ':memory:', key: Buffer.alloc(32, 1) });
  await store.get('x');
  await store.close();
  afterUse = await snapshot();
}
port1.close();
process.stdout.write(JSON.stringify({ importMs, afterImport, afterUse }) + '\n');
