// Everything at once, on this machine: a Grantry server (SQLite, in a temporary directory), the
// payments API (examples/payments-api), and this partner service; then a partner application, its
// webhook, a merchant installing it, and a payment made through the installation's token.
//
//   npm run build && node examples/partner-app/demo.mjs          # keeps running; Ctrl-C stops it all
//   node examples/partner-app/demo.mjs --once                     # runs the story and exits (tests)
//
// Ports: GRANTRY_PORT (4000), PAYMENTS_PORT (4100), PARTNER_PORT (4200).
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sqliteStore } from 'grantry/partner';
import { buildPaymentsApi } from '../payments-api/server.mjs';
import { buildPartnerApp } from './server.mjs';

const once = process.argv.includes('--once');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const ports = { grantry: Number(process.env.GRANTRY_PORT ?? 4000), payments: Number(process.env.PAYMENTS_PORT ?? 4100), partner: Number(process.env.PARTNER_PORT ?? 4200) };
const issuer = `http://127.0.0.1:${ports.grantry}`;
const dir = mkdtempSync(join(tmpdir(), 'grantry-partner-demo-'));
const say = (line) => process.stdout.write(`${line}\n`);

const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GRANTRY_'))),
  GRANTRY_PORT: String(ports.grantry),
  GRANTRY_ISSUER: issuer,
  GRANTRY_DATA_DIR: dir,
  GRANTRY_DATABASE_URL: `sqlite:${join(dir, 'grantry.db')}`,
  GRANTRY_MASTER_KEY: randomBytes(32).toString('base64'),
  // The partner service listens on loopback: allowed as a webhook destination for this demo only.
  GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  // info: the "Grantry listening on" line is how this script knows it started (its output is not shown).
  GRANTRY_LOG_LEVEL: 'info',
};

const cleanup = [];
async function shutdown(code) {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  // 1. Grantry.
  const grantry = spawn(process.execPath, [CLI, 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(() => new Promise((r) => (grantry.exitCode !== null ? r() : (grantry.once('exit', r), grantry.kill('SIGTERM')))));
  await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      if (out.includes('Grantry listening on')) resolve();
    };
    grantry.stdout.on('data', onData);
    grantry.stderr.on('data', onData);
    grantry.once('exit', (code) => reject(new Error(`grantry serve exited ${code}:\n${out}`)));
  });
  say(`Grantry          ${issuer}   (data in ${dir})`);
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'init', '--json'], { cwd: dir, env });
  const admin = JSON.parse(stdout);
  const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const tokenRes = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(admin.client_id, admin.client_secret) },
    body: 'grant_type=client_credentials&scope=grantry%3Aadmin',
  });
  const adminToken = (await tokenRes.json()).access_token;
  const api = async (path, body) => {
    const res = await fetch(`${issuer}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await res.json();
    if (res.status >= 400 && res.status !== 409) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  // 2. The platform's catalogue, a partner and its application (one-time refresh tokens), a merchant.
  for (const scope of ['payments:read', 'payments:create']) await api('/scopes', { scope, description: `Allows ${scope}` });
  const partnerOrg = await api('/organizations', { type: 'partner', name: 'Bookkeeping Co' });
  const app = await api('/applications', { name: 'Bookkeeping', type: 'third_party', organization_id: partnerOrg.id, scopes: ['payments:read', 'payments:create'], refresh_policy: 'rotate', refresh_grace_period: 30 });
  const hook = await api(`/applications/${app.id}/webhooks`, {
    url: `http://127.0.0.1:${ports.partner}/webhooks/grantry`,
    events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED'],
  });
  const merchant = await api('/organizations', { type: 'merchant', name: 'Acme Shop' });

  // 3. The payments API and the partner service (this example).
  const payments = buildPaymentsApi({ issuer });
  await payments.listen({ port: ports.payments, host: '127.0.0.1' });
  cleanup.push(() => payments.close());
  say(`payments API     http://127.0.0.1:${ports.payments}`);
  let delivered;
  const installedSeen = new Promise((r) => (delivered = r));
  const partner = buildPartnerApp({
    issuer,
    clientId: app.client_id,
    clientSecret: app.client_secret,
    webhookSecrets: [hook.secret],
    store: sqliteStore({ path: join(dir, 'partner.db'), key: randomBytes(32) }),
    paymentsUrl: `http://127.0.0.1:${ports.payments}`,
    onEvent: (e) => (e.type === 'INSTALLATION.CREATE' ? delivered(e) : undefined),
  });
  await partner.listen({ port: ports.partner, host: '127.0.0.1' });
  cleanup.push(() => partner.close());
  say(`partner service  http://127.0.0.1:${ports.partner}`);

  // 4. The merchant installs the application; Grantry delivers the credentials by webhook.
  const installation = await api('/installations', { organization_id: merchant.id, application_id: app.id, scopes: ['payments:read', 'payments:create'] });
  const event = await Promise.race([installedSeen, new Promise((_, reject) => setTimeout(() => reject(new Error('no INSTALLATION.CREATE webhook within 20 s')), 20_000))]);
  say(`\n${merchant.name} installed ${app.name}: ${installation.id} (webhook ${event.webhookId} stored)`);

  // 5. The partner service pays through the payments API with the installation's token.
  const base = `http://127.0.0.1:${ports.partner}/installations/${installation.id}/payments`;
  const created = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1250, currency: 'EUR' }) });
  say(`POST ${base} → ${created.status} ${await created.text()}`);
  const listed = await fetch(base);
  say(`GET  ${base} → ${listed.status} ${await listed.text()}`);
  if (created.status !== 201 || listed.status !== 200) throw new Error('the payment through the partner service failed');

  if (once) await shutdown(0);
  say(`\nTry it:\n  curl -s -X POST -H 'content-type: application/json' -d '{"amount":990,"currency":"EUR"}' ${base}\n  curl -s ${base}\nCtrl-C stops everything (the temporary directory is removed).`);
} catch (err) {
  process.stderr.write(`demo failed: ${err.stack ?? err}\n`);
  await shutdown(1);
}
