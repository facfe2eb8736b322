import type { Command } from 'commander';
import { orgView, scopeView, keyView } from '../../admin/views.js';
import * as scopes from '../../admin/scopes.js';
import * as orgs from '../../admin/organizations.js';
import * as apps from '../../admin/applications.js';
import { rotateSigningKey } from '../../admin/keys.js';
import { DEFAULT_ADMIN_EMAIL, consoleUrl, initialize } from '../../admin/bootstrap.js';
import { userView } from '../../admin/users.js';
import { SIGNING_ALGS, type SigningAlg } from '../../config/schema.js';
import { AdminError } from '../../admin/problem.js';
import { print, table } from '../output.js';
import { withRuntime, type GlobalOptions, cliAdmin } from '../runtime.js';

type Opts = GlobalOptions & Record<string, unknown>;

const splitScopes = (v: unknown): string[] | undefined => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : undefined);
const int = (name: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new AdminError('invalid_input', `${name} must be a whole number`);
  return Number(v);
};
const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

/** Every command takes --json and the database options; `opts()` merges them with the parents'. */
function withCommon(cmd: Command): Command {
  return cmd.option('--json', 'print JSON').option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)').option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)');
}

export function registerAdminCommands(program: Command): void {
  withCommon(
    program
      .command('init')
      .description('create the admin application (scope grantry:admin) and the first platform administrator once; prints their credentials')
      .option('--admin-email <email>', 'email of the first platform administrator', DEFAULT_ADMIN_EMAIL)
      .option('--setup-link', 'print a one-time setup link for the administrator instead of a generated password'),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await initialize(
        cliAdmin(rt),
        { maxAccessTokenTtl: rt.config.maxAccessTokenTtl },
        { email: o.adminEmail as string | undefined, setupLink: o.setupLink === true, issuer: rt.config.issuer, setupLinkTtlMs: rt.config.setupLinkTtl * 1000 },
        rt.config.issuer,
      );
      const admin = r.adminUser!;
      const out = {
        created: r.created,
        ...apps.applicationView(r.application),
        client_secret: r.clientSecret,
        token_endpoint: `${rt.config.issuer}/oauth/token`,
        admin_user: userView(admin.user, await rt.stores.users.memberships(admin.user.id)),
        admin_user_created: admin.created,
        admin_password: admin.password,
        admin_setup_link: admin.setupLink,
        console_url: consoleUrl(rt.config.issuer),
      };
      const adminLines = admin.created
        ? [
            `Created the platform administrator ${admin.user.email}.`,
            admin.password ? `  password:   ${admin.password}   (shown once: store it now)` : `  setup link: ${admin.setupLink}   (one-time: open it to set a password)`,
          ]
        : [`The platform administrator ${admin.user.email} already exists; for a new password run: grantry users setup-link ${admin.user.email}`];
      print(o, out, () =>
        [
          r.created
            ? [
                'Created the admin application. The secret is shown once: store it now.',
                `  client_id:     ${r.application.clientId}`,
                `  client_secret: ${r.clientSecret}`,
                `Get a management token: curl -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=grantry:admin ${rt.config.issuer}/oauth/token`,
              ].join('\n')
            : `The admin application already exists (client_id ${r.application.clientId}); its secret was shown when it was created. Rotate it with: grantry apps rotate-secret ${r.application.clientId}`,
          ...adminLines,
          `Sign in to the console: ${consoleUrl(rt.config.issuer)}`,
        ].join('\n'),
      );
    }),
  );

  const scopesCmd = program.command('scopes').description('the scope catalogue (audience:operation)');
  withCommon(scopesCmd.command('add <scope>').description('add a scope to the catalogue').option('--description <text>', 'what the scope allows, shown on consent pages')).action(
    async (scope: string, o: Opts) =>
      withRuntime(o, async (rt) => {
        const s = await scopes.addScope(cliAdmin(rt), { scope, description: o.description as string | undefined });
        print(o, scopeView(s), () => `added ${s.scope}`);
      }),
  );
  withCommon(scopesCmd.command('list').description('list the catalogue').option('--limit <n>', 'page size', int('--limit')).option('--cursor <c>', 'next page')).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const page = await scopes.listScopes(cliAdmin(rt), { limit: o.limit as number | undefined, cursor: o.cursor as string | undefined });
      const items = page.items.map(scopeView);
      print(o, { items, next_cursor: page.nextCursor }, () => table(items, ['scope', 'description']));
    }),
  );
  withCommon(scopesCmd.command('delete <scope>').description('remove a scope no application holds')).action(async (scope: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      await scopes.deleteScope(cliAdmin(rt), scope);
      print(o, { deleted: scope }, () => `deleted ${scope}`);
    }),
  );

  const orgsCmd = program.command('orgs').description('organizations: merchants, partners, the platform');
  withCommon(orgsCmd.command('create').description('create an organization').requiredOption('--type <type>', 'merchant, partner or platform').requiredOption('--name <name>', 'display name')).action(
    async (o: Opts) =>
      withRuntime(o, async (rt) => {
        const org = await orgs.createOrganization(cliAdmin(rt), { type: o.type as string, name: o.name as string });
        print(o, orgView(org), () => `created ${org.type} organization ${org.id} (${org.name})`);
      }),
  );
  withCommon(orgsCmd.command('list').description('list organizations').option('--type <type>', 'only this type').option('--limit <n>', 'page size', int('--limit')).option('--cursor <c>', 'next page')).action(
    async (o: Opts) =>
      withRuntime(o, async (rt) => {
        const page = await orgs.listOrganizations(cliAdmin(rt), { type: o.type as string | undefined, limit: o.limit as number | undefined, cursor: o.cursor as string | undefined });
        const items = page.items.map(orgView);
        print(o, { items, next_cursor: page.nextCursor }, () => table(items, ['id', 'type', 'name']));
      }),
  );
  withCommon(orgsCmd.command('show <id>').description('show an organization')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const org = orgView(await orgs.getOrganization(cliAdmin(rt), id));
      print(o, org, () => table([org], ['id', 'type', 'name']));
    }),
  );
  withCommon(orgsCmd.command('delete <id>').description('delete an organization that owns no applications')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      await orgs.deleteOrganization(cliAdmin(rt), id);
      print(o, { deleted: id }, () => `deleted ${id}`);
    }),
  );

  const appsCmd = program.command('apps').description('applications (OAuth clients) and their secrets');
  const appOptions = (cmd: Command) =>
    cmd
      .option('--name <name>', 'display name')
      .option('--scopes <scopes>', 'space-separated scopes, e.g. "payments:create payments:read"')
      .option('--redirect-uri <uri...>', 'redirect URIs (authorization code)')
      .option('--grant-types <grants>', 'space-separated grant types')
      .option('--refresh-policy <policy>', 'rotate or reuse')
      .option('--access-token-ttl <seconds>', 'access-token lifetime', int('--access-token-ttl'))
      .option('--refresh-token-ttl <seconds>', 'idle lifetime of refresh tokens (0 = while installed)', int('--refresh-token-ttl'))
      .option('--refresh-family-max-age <seconds>', 'absolute lifetime of a refresh-token family (0 = none)', int('--refresh-family-max-age'))
      .option('--refresh-grace-period <seconds>', 'replay window for a just-rotated refresh token', int('--refresh-grace-period'))
      .option('--logo-uri <url>', 'https URL of a logo for the consent page')
      .option('--partner-id <n>', 'numeric alias for the header-v1 dialect (seed 003 partnerId)', int('--partner-id'));
  const appInput = (o: Opts): apps.ApplicationInput => ({
    name: o.name as string | undefined,
    scopes: splitScopes(o.scopes),
    redirect_uris: o.redirectUri as string[] | undefined,
    grant_types: splitScopes(o.grantTypes),
    refresh_policy: o.refreshPolicy as string | undefined,
    access_token_ttl: o.accessTokenTtl as number | undefined,
    refresh_token_ttl: o.refreshTokenTtl as number | undefined,
    refresh_family_max_age: o.refreshFamilyMaxAge as number | undefined,
    refresh_grace_period: o.refreshGracePeriod as number | undefined,
    logo_uri: o.logoUri as string | undefined,
    partner_id: o.partnerId as number | undefined,
  });
  withCommon(
    appOptions(appsCmd.command('create').description('register an application; prints its client id and secret (shown once)'))
      .requiredOption('--type <type>', 'merchant, third_party, native or public')
      .requiredOption('--org <id>', 'owning organization id')
      .option('--client-id <id>', 'import an existing client id (migration)'),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const input = { ...appInput(o), type: o.type as string, organization_id: o.org as string, client_id: o.clientId as string | undefined };
      const r = await apps.createApplication(cliAdmin(rt), input, { maxAccessTokenTtl: rt.config.maxAccessTokenTtl });
      print(o, { ...apps.applicationView(r.application), secrets: r.secrets, client_secret: r.clientSecret }, () =>
        [
          `created ${r.application.type} application ${r.application.id} (${r.application.name})`,
          `  client_id:     ${r.application.clientId}`,
          ...(r.clientSecret ? [`  client_secret: ${r.clientSecret}`, 'The secret is shown once: store it now.'] : []),
        ].join('\n'),
      );
    }),
  );
  withCommon(
    appsCmd
      .command('list')
      .description('list applications')
      .option('--org <id>', 'only this organization')
      .option('--type <types>', 'only these types, comma-separated (merchant, third_party, native, public)')
      .option('--limit <n>', 'page size', int('--limit'))
      .option('--cursor <c>', 'next page'),
  ).action(
    async (o: Opts) =>
      withRuntime(o, async (rt) => {
        const page = await apps.listApplications(cliAdmin(rt), { organization_id: o.org as string | undefined, type: o.type as string | undefined, limit: o.limit as number | undefined, cursor: o.cursor as string | undefined });
        const items = page.items.map(apps.applicationView);
        print(o, { items, next_cursor: page.nextCursor }, () => table(items, ['id', 'client_id', 'type', 'name', 'scopes']));
      }),
  );
  withCommon(appsCmd.command('show <id>').description('show an application (id or client_id) and its secrets')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const ctx = cliAdmin(rt);
      const app = await apps.findApplication(ctx, id);
      const view = { ...apps.applicationView(app), secrets: await apps.listSecrets(ctx, app) };
      print(o, view, () =>
        [
          table([view], ['id', 'client_id', 'type', 'name', 'scopes']),
          '',
          table(view.secrets.map((s) => ({ ...s, created_at: iso(s.created_at), expires_at: iso(s.expires_at) })), ['id', 'hint', 'active', 'created_at', 'expires_at']),
        ].join('\n'),
      );
    }),
  );
  withCommon(appOptions(appsCmd.command('update <id>').description('change name, scopes or settings of an application'))).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const app = await apps.updateApplication(cliAdmin(rt), id, appInput(o), { maxAccessTokenTtl: rt.config.maxAccessTokenTtl });
      print(o, apps.applicationView(app), () => `updated ${app.id} (${app.name}): scopes ${app.scopes.join(' ') || '(none)'}`);
    }),
  );
  withCommon(
    appsCmd
      .command('rotate-secret <id>')
      .description('add a new client secret (shown once); --expire-others-in retires the current ones after a grace period')
      .option('--expire-others-in <seconds>', 'seconds until the other secrets expire (0 = now)', int('--expire-others-in'))
      .option('--expires-in <seconds>', 'seconds until the new secret expires', int('--expires-in')),
  ).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await apps.rotateSecret(cliAdmin(rt), id, { expire_others_in: o.expireOthersIn as number | undefined, expires_in: o.expiresIn as number | undefined });
      print(o, { client_secret: r.clientSecret, secret: r.secret, secrets: r.secrets }, () => `new client_secret: ${r.clientSecret}\nThe secret is shown once: store it now.`);
    }),
  );
  withCommon(appsCmd.command('revoke-secret <id> <secret_id>').description('revoke one client secret now')).action(async (id: string, secretId: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      await apps.revokeSecret(cliAdmin(rt), id, secretId);
      print(o, { revoked: secretId }, () => `revoked ${secretId}`);
    }),
  );
  withCommon(appsCmd.command('delete <id>').description('delete an application; its secrets stop working at once')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      await apps.deleteApplication(cliAdmin(rt), id);
      print(o, { deleted: id }, () => `deleted ${id}`);
    }),
  );

  const keysCmd = program.command('keys').description('signing keys');
  withCommon(keysCmd.command('list').description('list signing keys and their state')).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const items = rt.keys.list().map(keyView);
      print(o, { items }, () => table(items.map((k) => ({ ...k, activates_at: iso(k.activates_at), removed_at: iso(k.removed_at) })), ['kid', 'alg', 'state', 'activates_at', 'removed_at']));
    }),
  );
  withCommon(
    keysCmd
      .command('rotate')
      .description('introduce a new signing key: published in JWKS now, signing after GRANTRY_KEY_ACTIVATION_DELAY')
      .option('--alg <alg>', `one of ${SIGNING_ALGS.join(', ')} (default GRANTRY_SIGNING_ALG)`),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const alg = o.alg as string | undefined;
      if (alg !== undefined && !SIGNING_ALGS.includes(alg as SigningAlg)) throw new AdminError('invalid_input', `--alg must be one of ${SIGNING_ALGS.join(', ')}`);
      const info = await rotateSigningKey(cliAdmin(rt), rt.keys, alg as SigningAlg | undefined);
      print(o, keyView(info), () => `new ${info.alg} key ${info.kid}: published now, signs from ${iso(info.activatesAt)}`);
    }),
  );
}
