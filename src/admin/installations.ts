import { newInstallation, type Installation } from '../domain/installation.js';
import type { Application } from '../domain/application.js';
import { newId } from '../domain/random.js';
import type { Page, Stores } from '../storage/ports.js';
import type { NewDelivery } from '../storage/ports-webhooks.js';
import { isUniqueViolation } from '../storage/db.js';
import { enqueueEvent } from '../webhooks/enqueue.js';
import { mintCredentials, revokeFamilies, type InstallationTokenDeps, type MintedCredentials } from '../protocol/installation-tokens.js';
import { AdminError, invalid, notFound } from './problem.js';
import { audit, pageRequest, type AdminContext } from './context.js';
import { organizationsById, requireVisibleOrganization } from './organizations.js';
import { INSTALLING_ROLES, canKnowApplication, canRead, isPlatformAdmin, requireInstallationChange, requireRole, visibleOrganizationIds } from './access.js';

/** Application types a merchant can install (DESIGN: partners' installable apps). */
const INSTALLABLE = ['third_party', 'native', 'public'];

export function installationView(i: Installation): Record<string, unknown> {
  return {
    id: i.id,
    organization_id: i.organizationId,
    application_id: i.applicationId,
    scopes: i.scopes,
    status: i.status,
    credentials_version: i.credentialsVersion,
    delivery_failed_at: i.deliveryFailedAt,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    uninstalled_at: i.uninstalledAt,
  };
}

/**
 * Installation views with the names people read: the application's and the merchant organization's.
 * A page holds at most PAGE_MAX installations; each distinct application and organization is read once.
 * The names are what a consent page shows both sides anyway, so a partner's member who may see an
 * installation of their application may see who installed it.
 */
export async function installationViews(ctx: Pick<AdminContext, 'stores'>, list: readonly Installation[]): Promise<Record<string, unknown>[]> {
  const appIds = [...new Set(list.map((i) => i.applicationId))];
  const [apps, orgs] = await Promise.all([Promise.all(appIds.map((id) => ctx.stores.applications.get(id))), organizationsById(ctx.stores, list.map((i) => i.organizationId))]);
  const appNames = new Map(apps.flatMap((a) => (a ? [[a.id, a.name] as const] : [])));
  return list.map((i) => ({ ...installationView(i), application_name: appNames.get(i.applicationId) ?? null, organization_name: orgs.get(i.organizationId)?.name ?? null }));
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The `data` of INSTALLATION.CREATE/UPDATE: absolute expiry times, because a retry may arrive hours later. */
function credentialsData(i: Installation, app: Application, minted: MintedCredentials, tokenEndpoint: string): Record<string, unknown> {
  return {
    installation_id: i.id,
    organization_id: i.organizationId,
    client_id: app.clientId,
    scopes: i.scopes,
    credentials_version: i.credentialsVersion,
    refresh_token: minted.refreshToken,
    refresh_token_expires_at: iso(minted.refreshTokenExpiresAt),
    access_token: minted.accessToken.token,
    access_token_expires_at: iso(minted.accessToken.expiresAt),
    token_type: 'Bearer',
    token_endpoint: tokenEndpoint,
  };
}

function validScopes(scopes: unknown, app: Application): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== 'string')) throw invalid('scopes', 'must be a non-empty list of scope names');
  const unique = [...new Set(scopes as string[])];
  const notAllowed = unique.filter((s) => !app.scopes.includes(s));
  if (notAllowed.length > 0) throw invalid('scopes', `not allowed for this application: ${notAllowed.join(' ')}`);
  return unique;
}

/** Mints a credentials version and enqueues its webhook, in the caller's transaction. */
async function issueCredentials(tx: Stores, deps: InstallationTokenDeps, i: Installation, app: Application, event: 'INSTALLATION.CREATE' | 'INSTALLATION.UPDATE'): Promise<string[]> {
  const minted = await mintCredentials(tx, deps, i, app);
  return enqueueEvent(tx, deps, {
    applicationId: app.id,
    eventType: event,
    installationId: i.id,
    credentialsVersion: i.credentialsVersion,
    data: credentialsData(i, app, minted, `${deps.issuer}/oauth/token`),
  });
}

/** A merchant installs a partner's application: the refresh token reaches the partner only by webhook. */
export async function install(
  ctx: AdminContext,
  deps: InstallationTokenDeps,
  input: { organization_id: string; application_id: string; scopes: string[] },
): Promise<{ installation: Installation; deliveries: string[] }> {
  // Another tenant's organization, or an application the caller cannot know of, gets the answer of one
  // that does not exist (existence not told); a member without the role gets 403.
  const noSuchOrg = () => invalid('organization_id', `organization ${input.organization_id} does not exist`);
  if (!canRead(ctx.principal, input.organization_id)) throw noSuchOrg();
  const org = await ctx.stores.organizations.get(input.organization_id);
  if (!org) throw noSuchOrg();
  requireRole(ctx.principal, org.id, INSTALLING_ROLES, noSuchOrg, 'installing an application');
  if (org.type !== 'merchant') throw invalid('organization_id', 'only a merchant organization can install an application');
  const app = (await ctx.stores.applications.get(input.application_id)) ?? (await ctx.stores.applications.getByClientId(input.application_id));
  if (!app || !canKnowApplication(ctx.principal, app)) throw invalid('application_id', `application ${input.application_id} does not exist`);
  if (!INSTALLABLE.includes(app.type)) throw invalid('application_id', `a ${app.type} application cannot be installed`);
  if (!app.grantTypes.includes('refresh_token')) throw invalid('application_id', 'the application does not use the refresh_token grant');
  const scopes = validScopes(input.scopes, app);
  const now = ctx.clock.now();
  const installation = newInstallation({ id: newId('ins', now, ctx.random), organizationId: org.id, applicationId: app.id, scopes, now });
  try {
    const deliveries = await ctx.stores.transaction(async (tx) => {
      await tx.installations.create(installation);
      // The outbox row is written in the same transaction as the installation (DESIGN: outbox).
      const ids = await issueCredentials(tx, deps, installation, app, 'INSTALLATION.CREATE');
      await audit(tx, ctx, 'installation.created', { type: 'installation', id: installation.id }, { application_id: app.id, organization_id: org.id, scopes });
      return ids;
    });
    return { installation, deliveries };
  } catch (err) {
    if (isUniqueViolation(err)) throw new AdminError('conflict', `the application is already installed for ${org.id}; change its scopes with PATCH`);
    throw err;
  }
}

/**
 * Who sees an installation: the members of the merchant organization that granted it, and the members
 * of the organization whose application it is (the partner receives its credentials and must see
 * where its application is installed).
 */
async function canSeeInstallation(ctx: AdminContext, stores: Stores, i: Installation): Promise<boolean> {
  if (canRead(ctx.principal, i.organizationId)) return true;
  const app = await stores.applications.get(i.applicationId);
  return app !== null && canRead(ctx.principal, app.organizationId);
}

/** An installation the caller may see; anything else is "does not exist" (404), found or not. */
async function visibleInstallation(ctx: AdminContext, stores: Stores, id: string): Promise<Installation> {
  const i = await stores.installations.get(id);
  if (!i || !(await canSeeInstallation(ctx, stores, i))) throw notFound('installation', id);
  return i;
}

export async function getInstallation(ctx: AdminContext, id: string): Promise<Installation> {
  return visibleInstallation(ctx, ctx.stores, id);
}

export async function listInstallations(
  ctx: AdminContext,
  q: { limit?: number | undefined; cursor?: string | undefined; organization_id?: string | undefined; application_id?: string | undefined; status?: string | undefined },
): Promise<Page<Installation>> {
  // A filter naming what the caller cannot see is 404, like the object itself; the rest is filtered
  // in the query, so a member's pages hold only their organizations' installations.
  if (q.organization_id) requireVisibleOrganization(ctx, q.organization_id);
  if (q.application_id && !isPlatformAdmin(ctx.principal)) {
    const app = await ctx.stores.applications.get(q.application_id);
    if (!app || !canKnowApplication(ctx.principal, app)) throw notFound('application', q.application_id);
  }
  return ctx.stores.installations.list(pageRequest(q.limit, q.cursor), {
    organizationId: q.organization_id,
    applicationId: q.application_id,
    status: q.status,
    visibleTo: visibleOrganizationIds(ctx.principal) ?? undefined,
  });
}

/** The installation to change: 404 unless seen, 403 unless owner/admin of the merchant, before any state check. */
async function changeableInstallation(ctx: AdminContext, tx: Stores, id: string): Promise<Installation> {
  const i = await visibleInstallation(ctx, tx, id);
  requireInstallationChange(ctx.principal, i.organizationId);
  return i;
}

async function activeWithApp(ctx: AdminContext, tx: Stores, id: string): Promise<{ i: Installation; app: Application }> {
  const i = await changeableInstallation(ctx, tx, id);
  if (i.status !== 'active') throw new AdminError('conflict', `installation ${id} was uninstalled`);
  const app = await tx.applications.get(i.applicationId);
  if (!app) throw new AdminError('conflict', `the application of installation ${id} no longer exists`);
  return { i, app };
}

/**
 * Changes the granted scopes and sends INSTALLATION.UPDATE with new credentials. The previous refresh
 * token keeps working (narrowed to the new scopes) until the new one is first used.
 */
export async function updateInstallation(ctx: AdminContext, deps: InstallationTokenDeps, id: string, input: { scopes: string[] }): Promise<{ installation: Installation; deliveries: string[] }> {
  return ctx.stores.transaction(async (tx) => {
    const { i, app } = await activeWithApp(ctx, tx, id);
    const scopes = validScopes(input.scopes, app);
    const next: Installation = { ...i, scopes, credentialsVersion: i.credentialsVersion + 1, updatedAt: ctx.clock.now() };
    await tx.installations.update(id, { scopes, credentialsVersion: next.credentialsVersion, updatedAt: next.updatedAt });
    const deliveries = await issueCredentials(tx, deps, next, app, 'INSTALLATION.UPDATE');
    await audit(tx, ctx, 'installation.updated', { type: 'installation', id }, { scopes, credentials_version: next.credentialsVersion });
    return { installation: next, deliveries };
  });
}

/** Fresh credentials in a new INSTALLATION.UPDATE with a fresh delivery budget (after a failed delivery). */
export async function reissueInstallation(ctx: AdminContext, deps: InstallationTokenDeps, id: string): Promise<{ installation: Installation; deliveries: string[] }> {
  return ctx.stores.transaction(async (tx) => {
    const { i, app } = await activeWithApp(ctx, tx, id);
    return reissueIn(tx, ctx, deps, i, app, {});
  });
}

/** Mints the next credentials version of an active installation and enqueues it, in the caller's transaction. */
async function reissueIn(tx: Stores, ctx: AdminContext, deps: InstallationTokenDeps, i: Installation, app: Application, auditData: Record<string, unknown>): Promise<{ installation: Installation; deliveries: string[] }> {
  const next: Installation = { ...i, credentialsVersion: i.credentialsVersion + 1, deliveryFailedAt: null, updatedAt: ctx.clock.now() };
  await tx.installations.update(i.id, { credentialsVersion: next.credentialsVersion, deliveryFailedAt: null, updatedAt: next.updatedAt });
  const deliveries = await issueCredentials(tx, deps, next, app, 'INSTALLATION.UPDATE');
  await audit(tx, ctx, 'installation.reissued', { type: 'installation', id: i.id }, { credentials_version: next.credentialsVersion, ...auditData });
  return { installation: next, deliveries };
}

/**
 * Recovery of a webhook endpoint after an outage (admin/webhooks.ts, recoverEndpoint): fresh
 * credentials for an installation whose credentials version `failedVersion` never reached the
 * partner. Nothing happens (null) unless the installation is still active, belongs to `app`, and no
 * credentials of that version or later were delivered, are still on their way, or were ever used:
 * a token the partner has is never replaced by a recovery.
 *
 * The caller has already been allowed to change the partner's application; the merchant's consent is
 * unchanged (same scopes), so the merchant's installation rights are not asked for.
 */
export async function reissueUndelivered(
  tx: Stores,
  ctx: AdminContext,
  deps: InstallationTokenDeps,
  app: Application,
  installationId: string,
  failedVersion: number,
  subscriptionId: string,
): Promise<Installation | null> {
  const i = await tx.installations.get(installationId);
  if (!i || i.status !== 'active' || i.applicationId !== app.id) return null;
  const deliveries = await tx.webhooks.listDeliveries({ limit: 200, after: undefined }, { installationId });
  const reached = deliveries.items.some((d) => d.credentialsVersion !== null && d.credentialsVersion >= failedVersion && (d.status === 'succeeded' || d.status === 'pending' || d.status === 'held'));
  if (reached) return null;
  const used = (await tx.refresh.familiesOf(installationId)).some((f) => f.origin === 'webhook' && f.credentialsVersion >= failedVersion && f.lastUsedAt !== null);
  if (used) return null;
  return (await reissueIn(tx, ctx, deps, i, app, { reason: 'webhook_recovery', subscription_id: subscriptionId })).installation;
}

/** Uninstall: every refresh token stops at once, its access tokens turn inactive, INSTALLATION.DELETE is sent. */
export async function uninstall(ctx: AdminContext, deps: InstallationTokenDeps, id: string): Promise<void> {
  await ctx.stores.transaction(async (tx) => {
    const i = await changeableInstallation(ctx, tx, id);
    const now = ctx.clock.now();
    if (!(await tx.installations.markUninstalled(id, now))) throw new AdminError('conflict', `installation ${id} was already uninstalled`);
    await revokeFamilies(tx, { installationId: id }, now, 'uninstalled');
    // Undelivered credentials must not reach the partner after the merchant removed the app.
    await tx.webhooks.cancelForInstallation(id, now);
    const app = await tx.applications.get(i.applicationId);
    await enqueueEvent(tx, deps, {
      applicationId: i.applicationId,
      eventType: 'INSTALLATION.DELETE',
      installationId: id,
      credentialsVersion: null,
      data: { installation_id: id, organization_id: i.organizationId, client_id: app?.clientId ?? null, uninstalled_at: iso(now) },
    });
    await audit(tx, ctx, 'installation.deleted', { type: 'installation', id });
  });
}

/**
 * Called by the webhook worker, inside its transaction, when a credentials message exhausted its 10
 * attempts: the undelivered refresh token is revoked and the installation flagged for a reissue.
 */
export async function onCredentialsUndeliverable(tx: Stores, delivery: Pick<NewDelivery, 'installationId' | 'credentialsVersion' | 'applicationId'>, now: number): Promise<void> {
  if (!delivery.installationId || delivery.credentialsVersion === null) return;
  const families = (await tx.refresh.familiesOf(delivery.installationId)).filter((f) => f.origin === 'webhook' && f.credentialsVersion === delivery.credentialsVersion && f.lastUsedAt === null);
  for (const f of families) await revokeFamilies(tx, { familyId: f.id }, now, 'undelivered');
  await tx.installations.update(delivery.installationId, { deliveryFailedAt: now, updatedAt: now });
}
