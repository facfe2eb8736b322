import type { Command } from 'commander';
import * as webhooks from '../../admin/webhooks.js';
import { AdminError } from '../../admin/problem.js';
import { destinationPolicyFor } from '../../webhooks/destination.js';
import { startListener } from '../../webhooks/listen.js';
import { fail, print, table } from '../output.js';
import { withRuntime, type GlobalOptions, cliAdmin } from '../runtime.js';
import type { Runtime } from '../../runtime.js';

type Opts = GlobalOptions & Record<string, unknown>;

const int = (name: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new AdminError('invalid_input', `${name} must be a whole number`);
  return Number(v);
};
const iso = (ms: unknown): string => (typeof ms === 'number' ? new Date(ms).toISOString() : '-');

const splitEvents = (v: unknown): string[] => String(v).split(/[\s,]+/).filter(Boolean);
const deps = (rt: Runtime): webhooks.WebhookAdminDeps => ({ box: rt.box, policy: destinationPolicyFor(rt.config) });

function withCommon(cmd: Command): Command {
  return cmd.option('--json', 'print JSON').option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)').option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)');
}

export function registerWebhookCommands(program: Command): void {
  const cmd = program.command('webhooks').description('webhook subscriptions, the delivery log, and a local receiver');

  withCommon(
    cmd
      .command('add <app>')
      .description('subscribe an application (id or client_id) to events; prints the whsec_ signing secret (shown once)')
      .requiredOption('--url <url>', 'receiver URL (https outside development)')
      .requiredOption('--events <events>', 'space- or comma-separated, e.g. "INSTALLATION.CREATE INSTALLATION.UPDATE"')
      .option('--description <text>', 'what this endpoint is, for people')
      .option('--rate-limit <n>', 'attempts per second at most (all processes together)', int('--rate-limit')),
  ).action(async (appId: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await webhooks.createSubscription(cliAdmin(rt), deps(rt), appId, { url: o.url, events: splitEvents(o.events), description: o.description, rate_limit: o.rateLimit });
      print(o, { ...webhooks.subscriptionView(r), secret: r.secret }, () =>
        [`created webhook subscription ${r.subscription.id} for ${r.subscription.url}`, `  events: ${r.subscription.events.join(' ')}`, `  signing secret (shown once): ${r.secret}`].join('\n'),
      );
    }),
  );
  withCommon(cmd.command('list <app>').description("list an application's subscriptions")).action(async (appId: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const items = (await webhooks.listSubscriptions(cliAdmin(rt), appId)).map(webhooks.subscriptionView);
      print(o, { items }, () => table(items, ['id', 'url', 'events', 'enabled', 'disabled_reason', 'rate_limit']));
    }),
  );
  withCommon(
    cmd
      .command('endpoints')
      .description('endpoints across applications, e.g. those failing or disabled')
      .option('--state <state>', 'failing, disabled or enabled'),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const items = (await webhooks.findSubscriptions(cliAdmin(rt), { state: o.state as string | undefined })).map((e) => ({ ...webhooks.subscriptionView(e), application_name: e.applicationName }));
      print(o, { items }, () =>
        table(
          items.map((e: Record<string, unknown>) => ({ ...e, failing_since: iso(e.failing_since) })),
          ['id', 'application_id', 'application_name', 'url', 'enabled', 'disabled_reason', 'failing_since'],
        ),
      );
    }),
  );
  withCommon(
    cmd
      .command('update <app> <subscription>')
      .description("edit an endpoint; pending deliveries go to a new URL at their next attempt")
      .option('--url <url>', 'new receiver URL')
      .option('--events <events>', 'the full new list, space- or comma-separated')
      .option('--description <text>', 'new description ("" clears it)')
      .option('--rate-limit <n>', 'attempts per second at most, or "none"')
      .option('--enable', 're-enable (held deliveries are sent)')
      .option('--disable', 'disable (pending deliveries are held)'),
  ).action(async (appId: string, subId: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      if (o.enable && o.disable) throw new AdminError('invalid_input', 'give --enable or --disable, not both');
      const rate = o.rateLimit === undefined ? undefined : o.rateLimit === 'none' ? null : /^\d+$/.test(String(o.rateLimit)) ? Number(o.rateLimit) : String(o.rateLimit);
      const r = await webhooks.updateSubscription(cliAdmin(rt), deps(rt), appId, subId, {
        url: o.url,
        events: o.events === undefined ? undefined : splitEvents(o.events),
        description: o.description === undefined ? undefined : o.description === '' ? null : o.description,
        rate_limit: rate,
        enabled: o.enable ? true : o.disable ? false : undefined,
      });
      print(o, { ...webhooks.subscriptionView(r), released_deliveries: r.released, held_deliveries: r.held }, () =>
        [`updated ${subId}: ${r.subscription.url}`, `  events: ${r.subscription.events.join(' ')}`, `  enabled: ${r.subscription.disabledAt === null}` + (r.released ? ` (${r.released} held deliveries released)` : '') + (r.held ? ` (${r.held} deliveries held)` : ''), `  rate limit: ${r.subscription.rateLimit ?? 'none'}`].join('\n'),
      );
    }),
  );
  withCommon(
    cmd
      .command('rotate-secret <app> <subscription>')
      .description('a new signing secret (shown once); the previous one keeps signing beside it during the overlap')
      .option('--previous-expires-in <seconds>', 'overlap in seconds (default 86400, at most 604800; 0 = the previous secret stops at once)', int('--previous-expires-in')),
  ).action(async (appId: string, subId: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await webhooks.rotateSecret(cliAdmin(rt), deps(rt), appId, subId, { previous_expires_in: o.previousExpiresIn });
      print(o, { ...webhooks.subscriptionView(r), secret: r.secret, previous_secret_expires_at: r.previousExpiresAt }, () =>
        [`new signing secret for ${subId} (shown once): ${r.secret}`, r.previousExpiresAt === null ? '  the previous secret no longer signs' : `  the previous secret keeps signing until ${iso(r.previousExpiresAt)}`].join('\n'),
      );
    }),
  );
  withCommon(cmd.command('test <app> <subscription>').description('send a signed WEBHOOK.TEST message (no credentials) through the normal delivery path')).action(
    async (appId: string, subId: string, o: Opts) =>
      withRuntime(o, async (rt) => {
        const r = await webhooks.sendTestEvent(cliAdmin(rt), deps(rt), appId, subId);
        print(o, webhooks.deliveryView(r.delivery, r.attempts), () => `queued test delivery ${r.delivery.id} (webhook-id ${r.delivery.messageId}); a running server sends it within a second: grantry webhooks show-delivery ${r.delivery.id}`);
      }),
  );
  withCommon(
    cmd
      .command('recover <app> <subscription>')
      .description('after an outage: fresh credentials for every installation whose delivery to this endpoint failed in the range')
      .requiredOption('--since <time>', 'ISO 8601, e.g. 2026-12-01T00:00:00Z')
      .option('--until <time>', 'ISO 8601 (default now)'),
  ).action(async (appId: string, subId: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await webhooks.recoverEndpoint(cliAdmin(rt), rt.tokenDeps, appId, subId, { since: o.since, until: o.until });
      print(o, { queued: r.queued, skipped: r.skipped, installation_ids: r.installationIds }, () => `queued fresh credentials for ${r.queued} installations (${r.skipped} needed nothing)`);
    }),
  );
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    withCommon(cmd.command(`${name} <app> <subscription>`).description(enabled ? 're-enable a subscription; its held deliveries are sent' : 'disable a subscription; its deliveries are held')).action(
      async (appId: string, subId: string, o: Opts) =>
        withRuntime(o, async (rt) => {
          const r = await webhooks.updateSubscription(cliAdmin(rt), deps(rt), appId, subId, { enabled });
          print(o, { ...webhooks.subscriptionView(r), released_deliveries: r.released, held_deliveries: r.held }, () =>
            enabled ? `enabled ${subId}; ${r.released} held deliveries are pending again` : `disabled ${subId}; ${r.held} deliveries held`,
          );
        }),
    );
  }
  withCommon(cmd.command('delete <app> <subscription>').description('delete a subscription (its undelivered messages are cancelled)')).action(async (appId: string, subId: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      await webhooks.deleteSubscription(cliAdmin(rt), appId, subId);
      print(o, { deleted: subId }, () => `deleted ${subId}`);
    }),
  );
  withCommon(
    cmd
      .command('deliveries')
      .description('the delivery log, newest first')
      .option('--app <id>', 'only this application id')
      .option('--subscription <id>', 'only this subscription')
      .option('--installation <id>', 'only this installation')
      .option('--status <status>', 'pending, succeeded, failed, held, cancelled or superseded')
      .option('--limit <n>', 'page size', int('--limit'))
      .option('--cursor <c>', 'next page'),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const { page, attempts } = await webhooks.listDeliveries(cliAdmin(rt), {
        application_id: o.app as string | undefined,
        subscription_id: o.subscription as string | undefined,
        installation_id: o.installation as string | undefined,
        status: o.status as string | undefined,
        limit: o.limit as number | undefined,
        cursor: o.cursor as string | undefined,
      });
      const items = page.items.map((d) => webhooks.deliveryView(d, attempts.get(d.id) ?? []));
      print(o, { items, next_cursor: page.nextCursor }, () =>
        table(
          items.map((d) => ({ ...d, next_attempt_at: iso(d.next_attempt_at) })),
          ['id', 'event_type', 'status', 'attempt_count', 'last_status_code', 'last_error', 'next_attempt_at'],
        ),
      );
    }),
  );
  withCommon(cmd.command('show-delivery <id>').description('one delivery with every attempt')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await webhooks.getDelivery(cliAdmin(rt), id);
      const view = webhooks.deliveryView(r.delivery, r.attempts);
      print(o, view, () =>
        [
          `${r.delivery.id}  ${r.delivery.eventType}  ${r.delivery.status}  (${r.delivery.attempts}/10 attempts, webhook-id ${r.delivery.messageId})`,
          table(
            r.attempts.map((a) => ({ ...webhooks.attemptView(a), started_at: iso(a.startedAt) })),
            ['attempt', 'started_at', 'duration_ms', 'status_code', 'error_class', 'outcome'],
          ),
        ].join('\n'),
      );
    }),
  );
  withCommon(cmd.command('retry <id>').description('send a pending delivery again now (same webhook-id)')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await webhooks.retryDelivery(cliAdmin(rt), id);
      print(o, webhooks.deliveryView(r.delivery, r.attempts), () => `${id} is due now; a running server sends it within a second`);
    }),
  );

  cmd
    .command('listen')
    .description('run a local receiver that verifies signatures (Standard Webhooks) and prints each delivery')
    .requiredOption('--secret <whsec>', 'the subscription signing secret (whsec_...)')
    .option('--port <port>', 'port to listen on', int('--port'), 4100)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--show-secrets', 'print refresh and access tokens in full (masked to their last 4 characters otherwise)')
    .option('--json', 'print one JSON object per delivery')
    .action(async (o: { secret: string; port: number; host: string; showSecrets?: boolean; json?: boolean }) => {
      try {
        if (!o.secret.startsWith('whsec_')) throw new AdminError('invalid_input', '--secret must be a whsec_... signing secret');
        const l = await startListener({ secret: o.secret, port: o.port, host: o.host, json: o.json ?? false, showSecrets: o.showSecrets ?? false });
        // Status lines go to stderr so --json output stays one delivery per line.
        process.stderr.write(`listening on ${l.url} (answers 204 to valid signatures, 401 otherwise); Ctrl-C to stop\n`);
        const stop = () => void l.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (err) {
        fail(err, o.json ?? false);
      }
    });
}
