import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/cli.js';
import { freePort, until } from '../helpers/net.js';
import { ensurePartnerBuilt, ROOT } from '../helpers/partner-build.js';
import { installMany, partnerSetup, startPartnerGrantry, type PartnerGrantry } from '../helpers/partner-grantry.js';
import { createTokenManager, sqliteStore } from '../../src/partner/index.js';

function startReceiver(config: Record<string, unknown>): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'test/helpers/partner-receiver-process.mjs')], { cwd: ROOT, env: childEnv({ PARTNER_RECEIVER: JSON.stringify(config) }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve({ child, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      if (!out.includes('listening')) reject(new Error(`receiver exited ${code ?? signal}: ${out}`));
    });
  });
}

/**
 * kill -9 of the partner's receiver between storing the credentials and answering: Grantry saw no
 * answer, so it redelivers (5 s later, Standard Webhooks schedule); the restarted receiver finds the
 * webhook-id recorded, runs onEvent again, answers 200; the store holds the credentials once.
 */
describe('grantry/partner receiver killed between storing and answering', () => {
  let g: PartnerGrantry;
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    await ensurePartnerBuilt();
    g = await startPartnerGrantry('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'partner-crash-'));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await g?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Grantry redelivers, the store holds the token exactly once, and it works', async () => {
    const port = await freePort();
    const key = randomBytes(32).toString('base64');
    const path = join(dir, 'partner.db');
    const marker = join(dir, 'crashed');
    const partner = await partnerSetup(g, `http://127.0.0.1:${port}/hooks`, { refresh_policy: 'rotate' });
    const config = { path, key, secrets: [partner.webhookSecret], port, crashMarker: marker };

    const first = await startReceiver(config);
    children.push(first.child);
    const [installationId] = await installMany(g, partner, 1);
    await until('the receiver to die', () => first.child.signalCode === 'SIGKILL', 20_000);
    const webhookId = readFileSync(marker, 'utf8');

    // Stored before the answer: the credentials are in the file although no answer was sent.
    const store = sqliteStore({ path, key });
    const stored = await store.get(installationId!);
    expect(stored).toMatchObject({ status: 'active', credentialsVersion: 1 });
    expect(stored!.refreshToken).toMatch(/^\S{20,}$/);

    const second = await startReceiver(config);
    children.push(second.child);
    const delivery = await until(
      'the redelivery to succeed',
      async () => {
        const d = (await g.call(`/webhook-deliveries?installation_id=${installationId}`)).items.find((x: { event_type: string }) => x.event_type === 'INSTALLATION.CREATE');
        return d?.status === 'succeeded' ? d : null;
      },
      30_000,
    );
    expect(delivery.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(second.output()).toContain(`event INSTALLATION.CREATE ${webhookId}`);
    second.child.kill('SIGTERM');

    // Exactly once: one row for the installation, one record of the message (handled now).
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM grantry_partner_installations WHERE installation_id = ?').get(installationId)).toEqual({ n: 1 });
    expect(db.prepare('SELECT message_id, done FROM grantry_partner_messages').all()).toEqual([{ message_id: webhookId, done: 1 }]);
    db.close();
    const after = await store.get(installationId!);
    expect(after!.refreshToken).toBe(stored!.refreshToken);
    expect(after!.revision).toBe(stored!.revision);

    // And it is the live one: the first refresh succeeds (rotation, no reuse). The manager's clock is
    // 10 minutes ahead, so the webhook's 5-minute access token counts as expired.
    const manager = createTokenManager({ issuer: g.url, clientId: partner.clientId, clientSecret: partner.clientSecret, store, now: () => Date.now() + 600_000 });
    expect(await manager.getAccessToken(installationId!)).toMatch(/^eyJ/);
    expect((await store.get(installationId!))!.refreshToken).not.toBe(stored!.refreshToken);
    await manager.close();
    await store.close();
  }, 60_000);
});
