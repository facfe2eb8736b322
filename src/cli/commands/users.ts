import type { Command } from 'commander';
import * as users from '../../admin/users.js';
import { AdminError, invalid } from '../../admin/problem.js';
import type { Runtime } from '../../runtime.js';
import { print, table } from '../output.js';
import { withRuntime, type GlobalOptions, cliAdmin } from '../runtime.js';

type Opts = GlobalOptions & Record<string, unknown>;
const common = (cmd: Command): Command =>
  cmd.option('--json', 'print JSON').option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)').option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)');
const int = (name: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new AdminError('invalid_input', `${name} must be a whole number`);
  return Number(v);
};
const bool = (field: string, v: unknown): boolean | undefined => {
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(field, 'must be true or false');
};
const linkOptions = (rt: Runtime) => ({ issuer: rt.config.issuer, setupLinkTtlMs: rt.config.setupLinkTtl * 1000 });
const COLUMNS = ['id', 'email', 'name', 'status', 'platform_admin', 'memberships'];
const rows = (views: users.UserView[]) => views.map((v) => ({ ...v, memberships: v.memberships.map((m) => `${m.organization_id}:${m.role}`) }));

/** `grantry users ...`: the same operations as /api/v1/users. */
export function registerUserCommands(program: Command): void {
  const cmd = program.command('users').description('people: console users, their organizations and roles, platform administrators');
  const showUser = (o: Opts, r: users.UserWithMemberships, line: string) => {
    const view = users.userView(r.user, r.memberships);
    print(o, view, () => line);
  };

  common(
    cmd
      .command('create')
      .description('create a user; without --password prints a one-time setup link')
      .requiredOption('--email <email>', 'sign-in email (unique)')
      .option('--name <name>', 'display name')
      .option('--org <id>', 'make the user a member of this organization (with --role)')
      .option('--role <role>', 'owner, admin or developer (with --org)')
      .option('--password <password>', 'initial password (at least 12 characters)')
      .option('--platform-admin', 'a platform administrator (manages every organization)'),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      if ((o.org === undefined) !== (o.role === undefined)) throw invalid(o.org === undefined ? 'org' : 'role', '--org and --role go together');
      const r = await users.createUser(
        cliAdmin(rt),
        {
          email: o.email as string,
          name: o.name as string | undefined,
          password: o.password as string | undefined,
          platform_admin: o.platformAdmin === true,
          memberships: o.org !== undefined ? [{ organization_id: o.org as string, role: o.role as string }] : [],
        },
        linkOptions(rt),
      );
      const view = { ...users.userView(r.user, r.memberships), ...(r.setupLink ? { setup_link: r.setupLink, setup_link_expires_at: r.setupLinkExpiresAt } : {}) };
      print(o, view, () =>
        [
          `created user ${r.user.id} (${r.user.email})`,
          ...(r.setupLink ? [`one-time setup link (valid until ${new Date(r.setupLinkExpiresAt!).toISOString()}): ${r.setupLink}`] : []),
        ].join('\n'),
      );
    }),
  );
  common(
    cmd
      .command('list')
      .description('list users')
      .option('--org <id>', 'only members of this organization')
      .option('--limit <n>', 'page size', int('--limit'))
      .option('--cursor <c>', 'next page'),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      const page = await users.listUsers(cliAdmin(rt), { organization_id: o.org as string | undefined, limit: o.limit as number | undefined, cursor: o.cursor as string | undefined });
      const items = page.items.map((r) => users.userView(r.user, r.memberships));
      print(o, { items, next_cursor: page.nextCursor }, () => table(rows(items), COLUMNS));
    }),
  );
  common(cmd.command('show <user>').description('show a user (id or email)')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await users.getUser(cliAdmin(rt), id);
      showUser(o, r, table(rows([users.userView(r.user, r.memberships)]), COLUMNS));
    }),
  );
  common(
    cmd
      .command('update <user>')
      .description('change a user (id or email); disabling ends their sessions')
      .option('--name <name>', 'display name')
      .option('--platform-admin <bool>', 'true or false')
      .option('--status <status>', 'active or disabled'),
  ).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await users.updateUser(cliAdmin(rt), id, { name: o.name as string | undefined, platform_admin: bool('platform_admin', o.platformAdmin), status: o.status as string | undefined });
      showUser(o, r, `updated user ${r.user.id} (${r.user.email})`);
    }),
  );
  common(cmd.command('delete <user>').description('delete a user (id or email)')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      await users.deleteUser(cliAdmin(rt), id);
      print(o, { deleted: id }, () => `deleted ${id}`);
    }),
  );
  common(
    cmd.command('add-membership <user>').description('add the user to an organization, or change their role there').requiredOption('--org <id>', 'organization').requiredOption('--role <role>', 'owner, admin or developer'),
  ).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await users.setMembership(cliAdmin(rt), id, o.org as string, o.role as string);
      showUser(o, r, `${r.user.email} is ${o.role as string} of ${o.org as string}`);
    }),
  );
  common(cmd.command('remove-membership <user>').description('remove the user from an organization').requiredOption('--org <id>', 'organization')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await users.removeMembership(cliAdmin(rt), id, o.org as string);
      showUser(o, r, `${r.user.email} is no longer a member of ${o.org as string}`);
    }),
  );
  common(cmd.command('setup-link <user>').description('print a new one-time link to set a password (a reset)')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const r = await users.createSetupLink(cliAdmin(rt), id, linkOptions(rt));
      print(o, { user_id: r.user.id, setup_link: r.setupLink, setup_link_expires_at: r.expiresAt }, () => `one-time setup link for ${r.user.email} (valid until ${new Date(r.expiresAt).toISOString()}): ${r.setupLink}`);
    }),
  );
}
