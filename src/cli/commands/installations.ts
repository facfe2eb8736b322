import type { Command } from 'commander';
import * as installations from '../../admin/installations.js';
import { print, table } from '../output.js';
import { withRuntime, type GlobalOptions, cliAdmin } from '../runtime.js';

type Opts = GlobalOptions & Record<string, unknown>;
const splitScopes = (v: unknown): string[] => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : []);
const common = (cmd: Command): Command =>
  cmd.option('--json', 'print JSON').option('--database-url <url>', 'database URL (GRANTRY_DATABASE_URL)').option('--data-dir <dir>', 'data folder (GRANTRY_DATA_DIR)');

/** `grantry installations ...`: the same operations as /api/v1/installations. */
export function registerInstallationCommands(program: Command): void {
  const cmd = program.command('installations').description('installations of partner applications by merchants');
  const show = (o: Opts, r: { installation: Parameters<typeof installations.installationView>[0]; deliveries: string[] }, verb: string) => {
    const view = { ...installations.installationView(r.installation), webhook_deliveries: r.deliveries };
    print(o, view, () => `${verb} installation ${r.installation.id} (credentials v${r.installation.credentialsVersion}); ${r.deliveries.length} webhook deliver${r.deliveries.length === 1 ? 'y' : 'ies'} queued`);
  };

  common(
    cmd
      .command('create')
      .description('install an application for a merchant; the refresh token is sent by the INSTALLATION.CREATE webhook')
      .requiredOption('--org <id>', 'the merchant organization')
      .requiredOption('--app <id>', 'application id or client_id')
      .requiredOption('--scopes <scopes>', 'space-separated subset of the application scopes'),
  ).action(async (o: Opts) =>
    withRuntime(o, async (rt) => {
      show(o, await installations.install(cliAdmin(rt), rt.tokenDeps, { organization_id: o.org as string, application_id: o.app as string, scopes: splitScopes(o.scopes) }), 'created');
    }),
  );
  common(cmd.command('list').description('list installations').option('--org <id>', 'only this organization').option('--app <id>', 'only this application').option('--status <status>', 'active or uninstalled')).action(
    async (o: Opts) =>
      withRuntime(o, async (rt) => {
        const page = await installations.listInstallations(cliAdmin(rt), { organization_id: o.org as string | undefined, application_id: o.app as string | undefined, status: o.status as string | undefined });
        const items = page.items.map(installations.installationView);
        print(o, { items, next_cursor: page.nextCursor }, () => table(items, ['id', 'organization_id', 'application_id', 'status', 'scopes', 'credentials_version']));
      }),
  );
  common(cmd.command('show <id>').description('show an installation')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      const view = installations.installationView(await installations.getInstallation(cliAdmin(rt), id));
      print(o, view, () => table([view], ['id', 'organization_id', 'application_id', 'status', 'scopes', 'credentials_version']));
    }),
  );
  common(cmd.command('update <id>').description('change the granted scopes (sends INSTALLATION.UPDATE)').requiredOption('--scopes <scopes>', 'the new scopes')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      show(o, await installations.updateInstallation(cliAdmin(rt), rt.tokenDeps, id, { scopes: splitScopes(o.scopes) }), 'updated');
    }),
  );
  common(cmd.command('reissue <id>').description('mint fresh credentials in a new INSTALLATION.UPDATE (after a failed delivery)')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      show(o, await installations.reissueInstallation(cliAdmin(rt), rt.tokenDeps, id), 'reissued');
    }),
  );
  common(cmd.command('delete <id>').description('uninstall: every token of the installation stops working (sends INSTALLATION.DELETE)')).action(async (id: string, o: Opts) =>
    withRuntime(o, async (rt) => {
      await installations.uninstall(cliAdmin(rt), rt.tokenDeps, id);
      print(o, { deleted: id }, () => `uninstalled ${id}`);
    }),
  );
}
