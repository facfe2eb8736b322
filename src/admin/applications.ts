import {
  APPLICATION_TYPES,
  GRANT_TYPES,
  MAX_ACTIVE_SECRETS,
  REFRESH_POLICIES,
  defaultGrantTypes,
  defaultRefreshPolicy,
  isSecretActive,
  type Application,
  type ApplicationType,
  type ClientSecret,
  type GrantType,
  type RefreshPolicy,
} from '../domain/application.js';
import type { Organization } from '../domain/organization.js';
import { newId } from '../domain/random.js';
import type { Page, Stores } from '../storage/ports.js';
import { isUniqueViolation } from '../storage/db.js';
import { AdminError, invalid, notFound } from './problem.js';
import { audit, pageRequest, type AdminContext } from './context.js';
import { requireVisibleOrganization, validName } from './organizations.js';
import { canRead, isPlatformAdmin, requireApplicationChange, visibleOrganizationIds } from './access.js';

import { ADMIN_SCOPE, CONSOLE_SCOPE, INTROSPECT_SCOPE } from '../domain/scope.js';

export { ADMIN_SCOPE, CONSOLE_SCOPE, INTROSPECT_SCOPE };

/** Which organization types may own which application types, and which grants each type may use. */
const OWNERS: Record<ApplicationType, Organization['type'][]> = {
  merchant: ['merchant', 'platform'],
  third_party: ['partner'],
  native: ['partner', 'platform'],
  public: ['merchant', 'partner', 'platform'],
};
const ALLOWED_GRANTS: Record<ApplicationType, GrantType[]> = {
  merchant: ['client_credentials'],
  // CIBA (decoupled authorization) is opt-in through grant_types; confidential installable apps only.
  third_party: ['refresh_token', 'authorization_code', 'urn:openid:params:grant-type:ciba'],
  native: ['refresh_token', 'authorization_code', 'client_credentials', 'urn:openid:params:grant-type:ciba'],
  public: ['authorization_code', 'refresh_token'],
};

export interface ApplicationInput {
  name?: string | undefined;
  type?: string | undefined;
  organization_id?: string | undefined;
  scopes?: string[] | undefined;
  redirect_uris?: string[] | undefined;
  grant_types?: string[] | undefined;
  refresh_policy?: string | undefined;
  access_token_ttl?: number | null | undefined;
  refresh_token_ttl?: number | null | undefined;
  refresh_family_max_age?: number | null | undefined;
  refresh_grace_period?: number | null | undefined;
  logo_uri?: string | null | undefined;
  partner_id?: number | null | undefined;
  /** Import an existing client id (migration from another server). */
  client_id?: string | undefined;
  /** Import an existing client secret (migration); otherwise one is generated. */
  client_secret?: string | undefined;
}

export interface ApplicationLimits {
  maxAccessTokenTtl: number;
}

export interface SecretView {
  id: string;
  hint: string;
  created_at: number;
  expires_at: number | null;
  active: boolean;
}

export function secretView(s: ClientSecret, now: number): SecretView {
  return { id: s.id, hint: s.hint, created_at: s.createdAt, expires_at: s.expiresAt, active: isSecretActive(s, now) };
}

/** 256 bits of randomness behind a recognisable prefix, so secret scanners can find leaked ones. */
export function generateSecret(ctx: AdminContext): string {
  return `gs_${ctx.random.token(32)}`;
}

function validateImportedSecret(secret: string): string {
  // Imported secrets are whatever another server issued: allow any printable ASCII, but demand length.
  if (!/^[\x21-\x7e]{32,256}$/.test(secret)) throw invalid('client_secret', 'must be 32 to 256 printable ASCII characters without spaces');
  return secret;
}

function newSecret(ctx: AdminContext, applicationId: string, plain: string, expiresAt: number | null): ClientSecret {
  const now = ctx.clock.now();
  return {
    id: newId('sec', now, ctx.random),
    applicationId,
    hash: Buffer.from(ctx.hasher.hash(plain), 'base64url'),
    hint: plain.slice(0, 7),
    createdAt: now,
    expiresAt,
  };
}

async function validateScopes(stores: Stores, scopes: unknown, org: Organization): Promise<string[]> {
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')) throw invalid('scopes', 'must be a list of scope names');
  const unique = [...new Set((scopes as string[]).map((s) => s.trim()).filter(Boolean))];
  if (unique.length > 100) throw invalid('scopes', 'at most 100 scopes');
  const known = new Set((await stores.scopes.getMany(unique)).map((s) => s.scope));
  const unknown = unique.filter((s) => !known.has(s));
  if (unknown.length > 0) throw invalid('scopes', `not in the scope catalogue: ${unknown.join(' ')}`);
  for (const reserved of [ADMIN_SCOPE, INTROSPECT_SCOPE, CONSOLE_SCOPE]) {
    if (unique.includes(reserved) && org.type !== 'platform') throw invalid('scopes', `${reserved} may only be granted to a platform organization's application`);
  }
  return unique;
}

function validateRedirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) throw invalid('redirect_uris', 'must be a list of URLs');
  return (value as string[]).map((uri) => {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw invalid('redirect_uris', `${uri} is not an absolute URL`);
    }
    // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment.
    if (url.hash) throw invalid('redirect_uris', `${uri} must not have a fragment`);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    // RFC 9700 §4.1.1 / RFC 8252 §7: https, or http only on loopback, or a private-use scheme for native apps.
    if (url.protocol === 'http:' && !loopback) throw invalid('redirect_uris', `${uri} must use https (http only on loopback)`);
    if (url.protocol === 'javascript:' || url.protocol === 'data:') throw invalid('redirect_uris', `${uri} has a forbidden scheme`);
    return uri;
  });
}

/** An https image URL for the consent page (or a small data: image); null clears it. */
function validateLogoUri(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > 2000) throw invalid('logo_uri', 'must be an https URL of at most 2000 characters, or null');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('logo_uri', 'must be an absolute https URL');
  }
  if (url.protocol !== 'https:') throw invalid('logo_uri', 'must use https (the consent page loads it in the user\'s browser)');
  return value;
}

/** Seed 003's partnerId is an int32; 0 and negatives are not plausible identifiers. */
function validatePartnerId(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2_147_483_647) throw invalid('partner_id', 'must be a whole number from 1 to 2147483647, or null');
  return value;
}

function validateGrantTypes(value: unknown, type: ApplicationType): GrantType[] {
  if (!Array.isArray(value) || value.some((g) => !GRANT_TYPES.includes(g as GrantType))) {
    throw invalid('grant_types', `must be a list of ${GRANT_TYPES.join(', ')}`);
  }
  const grants = [...new Set(value as GrantType[])];
  const notAllowed = grants.filter((g) => !ALLOWED_GRANTS[type].includes(g));
  if (notAllowed.length > 0) throw invalid('grant_types', `a ${type} application may not use ${notAllowed.join(', ')}`);
  return grants;
}

function validateRefreshPolicy(value: unknown, type: ApplicationType): RefreshPolicy {
  if (!REFRESH_POLICIES.includes(value as RefreshPolicy)) throw invalid('refresh_policy', `must be one of ${REFRESH_POLICIES.join(', ')}`);
  // RFC 9700 §4.14.2: refresh tokens of public clients must be sender-constrained or rotated.
  if (type === 'public' && value !== 'rotate') throw invalid('refresh_policy', 'a public application must use rotate');
  return value as RefreshPolicy;
}

function validateSeconds(field: string, value: unknown, min: number, max: number): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be a whole number of seconds from ${min} to ${max}, or null for the server default`);
  }
  return value;
}

const YEAR = 366 * 86400;
/** The refresh-token settings of an application, validated (only the fields given). */
function refreshSettings(input: ApplicationInput) {
  return {
    ...(input.refresh_token_ttl !== undefined ? { refreshTokenTtl: validateSeconds('refresh_token_ttl', input.refresh_token_ttl, 0, 5 * YEAR) } : {}),
    ...(input.refresh_family_max_age !== undefined ? { refreshFamilyMaxAge: validateSeconds('refresh_family_max_age', input.refresh_family_max_age, 0, 10 * YEAR) } : {}),
    ...(input.refresh_grace_period !== undefined ? { refreshGracePeriod: validateSeconds('refresh_grace_period', input.refresh_grace_period, 0, 300) } : {}),
  };
}

function validateTtl(value: unknown, limits: ApplicationLimits): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 60 || value > limits.maxAccessTokenTtl) {
    throw invalid('access_token_ttl', `must be a whole number of seconds from 60 to ${limits.maxAccessTokenTtl}, or null for the default`);
  }
  return value;
}

export async function createApplication(
  ctx: AdminContext,
  input: ApplicationInput,
  limits: ApplicationLimits,
): Promise<{ application: Application; clientSecret: string | null; secrets: SecretView[] }> {
  const name = validName('name', input.name);
  const type = input.type as ApplicationType;
  if (!APPLICATION_TYPES.includes(type)) throw invalid('type', `must be one of ${APPLICATION_TYPES.join(', ')}`);
  if (!input.organization_id) throw invalid('organization_id', 'is required');
  // Another tenant's organization gets the very answer of one that does not exist (existence not told).
  const noSuchOrg = () => invalid('organization_id', `organization ${input.organization_id} does not exist`);
  if (!canRead(ctx.principal, input.organization_id)) throw noSuchOrg();
  const org = await ctx.stores.organizations.get(input.organization_id);
  if (!org) throw noSuchOrg();
  requireApplicationChange(ctx.principal, { organizationId: org.id }, org.type, noSuchOrg);
  if (!OWNERS[type].includes(org.type)) throw invalid('type', `a ${org.type} organization may not own a ${type} application`);
  const scopes = await validateScopes(ctx.stores, input.scopes ?? [], org);
  const redirectUris = validateRedirectUris(input.redirect_uris ?? []);
  const grantTypes = input.grant_types === undefined ? defaultGrantTypes(type) : validateGrantTypes(input.grant_types, type);
  const refreshPolicy = input.refresh_policy === undefined ? defaultRefreshPolicy(type) : validateRefreshPolicy(input.refresh_policy, type);
  const accessTokenTtl = input.access_token_ttl === undefined ? null : validateTtl(input.access_token_ttl, limits);
  let clientId = `cid_${ctx.random.token(16)}`;
  if (input.client_id !== undefined) {
    if (!/^[\x21-\x7e]{8,128}$/.test(input.client_id)) throw invalid('client_id', 'must be 8 to 128 printable ASCII characters without spaces');
    clientId = input.client_id;
  }
  const now = ctx.clock.now();
  const application: Application = {
    id: newId('app', now, ctx.random),
    clientId,
    name,
    type,
    organizationId: org.id,
    scopes,
    redirectUris,
    grantTypes,
    refreshPolicy,
    accessTokenTtl,
    refreshTokenTtl: null,
    refreshFamilyMaxAge: null,
    refreshGracePeriod: null,
    logoUri: input.logo_uri === undefined ? null : validateLogoUri(input.logo_uri),
    partnerId: input.partner_id === undefined ? null : validatePartnerId(input.partner_id),
    ...refreshSettings(input),
    createdAt: now,
    updatedAt: now,
  };
  // Public clients have no secret (RFC 6749 §2.1); they authenticate nothing and prove PKCE instead.
  const plain = type === 'public' ? null : input.client_secret !== undefined ? validateImportedSecret(input.client_secret) : generateSecret(ctx);
  const secret = plain ? newSecret(ctx, application.id, plain, null) : null;
  try {
    await ctx.stores.transaction(async (tx) => {
      await tx.applications.create(application, secret);
      await audit(tx, ctx, 'application.created', { type: 'application', id: application.id }, { name, app_type: type, scopes });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AdminError('conflict', application.partnerId === null ? `client_id ${clientId} is already taken` : `client_id ${clientId} or partner_id ${application.partnerId} is already taken`);
    throw err;
  }
  ctx.clients.invalidate(clientId);
  return { application, clientSecret: plain, secrets: secret ? [secretView(secret, now)] : [] };
}

/**
 * Finds an application by id or by client_id (the CLI accepts either), for reading: any member of its
 * organization. Anyone else is told it does not exist, in the same words as for an unknown id.
 */
export async function findApplication(ctx: AdminContext, idOrClientId: string): Promise<Application> {
  const app = (await ctx.stores.applications.get(idOrClientId)) ?? (await ctx.stores.applications.getByClientId(idOrClientId));
  if (!app || !canRead(ctx.principal, app.organizationId)) throw notFound('application', idOrClientId);
  return app;
}

/**
 * Finds an application to change it (settings, secrets, webhooks, delivery retries): 404 unless the
 * caller sees it, 403 unless their role may change it (admin/access.ts `requireApplicationChange`).
 */
export async function findApplicationForChange(ctx: AdminContext, idOrClientId: string): Promise<Application> {
  const app = await findApplication(ctx, idOrClientId);
  await requireChangeOf(ctx, app, () => notFound('application', idOrClientId));
  return app;
}

/** The change rule for an application already found (and seen): the platform's need its organization's type. */
export async function requireChangeOf(ctx: AdminContext, app: Application, hidden: () => AdminError): Promise<void> {
  const orgType = isPlatformAdmin(ctx.principal) ? null : ((await ctx.stores.organizations.get(app.organizationId))?.type ?? null);
  requireApplicationChange(ctx.principal, app, orgType, hidden);
}

export async function listApplications(
  ctx: AdminContext,
  q: { limit?: number | undefined; cursor?: string | undefined; organization_id?: string | undefined; type?: string | undefined },
): Promise<Page<Application>> {
  if (q.organization_id) requireVisibleOrganization(ctx, q.organization_id);
  // `type=third_party,native`: filtered in the query, so every page is full (the console lists merchant
  // and partner applications on separate screens).
  const types = q.type === undefined ? undefined : q.type.split(',').map((t) => t.trim());
  const unknown = types?.filter((t) => !APPLICATION_TYPES.includes(t as ApplicationType));
  if (unknown && unknown.length > 0) throw invalid('type', `must be one or more (comma-separated) of ${APPLICATION_TYPES.join(', ')}`);
  return ctx.stores.applications.list(pageRequest(q.limit, q.cursor), {
    organizationId: q.organization_id,
    organizationIds: visibleOrganizationIds(ctx.principal) ?? undefined,
    ...(types ? { types } : {}),
  });
}

export async function listSecrets(ctx: AdminContext, app: Application): Promise<SecretView[]> {
  const now = ctx.clock.now();
  if (app.type === 'public') return [];
  return (await ctx.stores.applications.secrets(app.id)).map((s) => secretView(s, now));
}

export async function updateApplication(ctx: AdminContext, idOrClientId: string, input: ApplicationInput, limits: ApplicationLimits): Promise<Application> {
  const app = await findApplicationForChange(ctx, idOrClientId);
  for (const field of ['type', 'organization_id', 'client_id', 'client_secret'] as const) {
    if (input[field] !== undefined) throw invalid(field, 'cannot be changed');
  }
  const org = (await ctx.stores.organizations.get(app.organizationId))!;
  const patch = {
    updatedAt: ctx.clock.now(),
    ...(input.name !== undefined ? { name: validName('name', input.name) } : {}),
    ...(input.scopes !== undefined ? { scopes: await validateScopes(ctx.stores, input.scopes, org) } : {}),
    ...(input.redirect_uris !== undefined ? { redirectUris: validateRedirectUris(input.redirect_uris) } : {}),
    ...(input.grant_types !== undefined ? { grantTypes: validateGrantTypes(input.grant_types, app.type) } : {}),
    ...(input.refresh_policy !== undefined ? { refreshPolicy: validateRefreshPolicy(input.refresh_policy, app.type) } : {}),
    ...(input.access_token_ttl !== undefined ? { accessTokenTtl: validateTtl(input.access_token_ttl, limits) } : {}),
    ...(input.logo_uri !== undefined ? { logoUri: validateLogoUri(input.logo_uri) } : {}),
    ...(input.partner_id !== undefined ? { partnerId: validatePartnerId(input.partner_id) } : {}),
    ...refreshSettings(input),
  };
  let updated: Application | null;
  try {
    updated = await ctx.stores.transaction(async (tx) => {
      const result = await tx.applications.update(app.id, patch);
      const changed = Object.keys(patch).filter((k) => k !== 'updatedAt');
      await audit(tx, ctx, 'application.updated', { type: 'application', id: app.id }, { changed });
      return result;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AdminError('conflict', `partner_id ${patch.partnerId} is already given to another application`);
    throw err;
  }
  if (!updated) throw notFound('application', idOrClientId);
  ctx.clients.invalidate(app.clientId);
  return updated;
}

/**
 * Adds a secret. With `expireOthersIn` (seconds) every other active secret expires after that grace
 * period, so a client can switch over without downtime; 0 revokes them at once.
 */
export async function rotateSecret(
  ctx: AdminContext,
  idOrClientId: string,
  input: { expire_others_in?: number | undefined; expires_in?: number | undefined; client_secret?: string | undefined },
): Promise<{ clientSecret: string; secret: SecretView; secrets: SecretView[] }> {
  const app = await findApplicationForChange(ctx, idOrClientId);
  if (app.type === 'public') throw new AdminError('conflict', 'a public application has no client secret');
  const now = ctx.clock.now();
  for (const [field, v] of [['expire_others_in', input.expire_others_in], ['expires_in', input.expires_in]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 366 * 86400)) throw invalid(field, 'must be a whole number of seconds up to one year');
  }
  const plain = input.client_secret !== undefined ? validateImportedSecret(input.client_secret) : generateSecret(ctx);
  const secret = newSecret(ctx, app.id, plain, input.expires_in !== undefined ? now + input.expires_in * 1000 : null);
  await ctx.stores.transaction(async (tx) => {
    await tx.applications.deleteExpiredSecrets(app.id, now);
    const others = (await tx.applications.secrets(app.id)).filter((s) => isSecretActive(s, now));
    if (input.expire_others_in !== undefined) {
      const at = now + input.expire_others_in * 1000;
      for (const s of others) if (s.expiresAt === null || s.expiresAt > at) await tx.applications.expireSecret(app.id, s.id, at);
    } else if (others.length >= MAX_ACTIVE_SECRETS) {
      throw new AdminError('conflict', `an application holds at most ${MAX_ACTIVE_SECRETS} active secrets; revoke one, or pass expire_others_in`);
    }
    await tx.applications.addSecret(secret);
    await audit(tx, ctx, 'application.secret_added', { type: 'application', id: app.id }, { secret_id: secret.id, expire_others_in: input.expire_others_in ?? null });
  });
  ctx.clients.invalidate(app.clientId);
  return { clientSecret: plain, secret: secretView(secret, now), secrets: await listSecrets(ctx, app) };
}

export async function revokeSecret(ctx: AdminContext, idOrClientId: string, secretId: string): Promise<void> {
  const app = await findApplicationForChange(ctx, idOrClientId);
  const now = ctx.clock.now();
  await ctx.stores.transaction(async (tx) => {
    const secret = (await tx.applications.secrets(app.id)).find((s) => s.id === secretId);
    if (!secret) throw notFound('secret', secretId);
    await tx.applications.expireSecret(app.id, secretId, now);
    await audit(tx, ctx, 'application.secret_revoked', { type: 'application', id: app.id }, { secret_id: secretId });
  });
  ctx.clients.invalidate(app.clientId);
}

export async function deleteApplication(ctx: AdminContext, idOrClientId: string): Promise<void> {
  const app = await findApplicationForChange(ctx, idOrClientId);
  await ctx.stores.transaction(async (tx) => {
    await tx.applications.delete(app.id);
    await audit(tx, ctx, 'application.deleted', { type: 'application', id: app.id }, { client_id: app.clientId, name: app.name });
  });
  ctx.clients.invalidate(app.clientId);
}

/** The wire shape of an application (snake_case, as in the OAuth wire format). */
export function applicationView(app: Application): Record<string, unknown> {
  return {
    id: app.id,
    client_id: app.clientId,
    name: app.name,
    type: app.type,
    organization_id: app.organizationId,
    scopes: app.scopes,
    redirect_uris: app.redirectUris,
    grant_types: app.grantTypes,
    refresh_policy: app.refreshPolicy,
    access_token_ttl: app.accessTokenTtl,
    refresh_token_ttl: app.refreshTokenTtl,
    refresh_family_max_age: app.refreshFamilyMaxAge,
    refresh_grace_period: app.refreshGracePeriod,
    logo_uri: app.logoUri,
    partner_id: app.partnerId,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}
