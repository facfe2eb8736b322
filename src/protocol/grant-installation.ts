import type { Application } from '../domain/application.js';
import { newInstallation, type FamilyOrigin, type Installation } from '../domain/installation.js';
import { newId } from '../domain/random.js';
import { isUniqueViolation } from '../storage/db.js';
import type { Stores } from '../storage/ports.js';
import type { IssueOptions, TokenResponse } from '../grants/grant.js';
import { mintCredentials, type InstallationTokenDeps } from './installation-tokens.js';
import { appendAudit } from '../storage/audit.js';

export class ConcurrentInstallationError extends Error {
  override name = 'ConcurrentInstallationError';
  constructor(options: { cause: unknown }) {
    super('the installation was created concurrently', options);
  }
}

export interface GrantedInstallation {
  installation: Installation;
  familyId: string;
  response: TokenResponse;
}

/**
 * What a user's consent (authorization code) or approval (decoupled request) records: an installation
 * of the application in the organization, created or widened to include the granted scopes, and a new
 * refresh family whose tokens go straight to the client in the token response. Runs in the caller's
 * transaction. No credentials webhook is sent: the client already holds these tokens.
 */
export async function grantInstallation(
  tx: Stores,
  deps: InstallationTokenDeps,
  input: { app: Application; organizationId: string; scopes: string[]; origin: FamilyOrigin; grantedBy: string; issue?: IssueOptions | undefined },
): Promise<GrantedInstallation> {
  const { app, organizationId, scopes } = input;
  const now = deps.clock.now();
  let installation = await tx.installations.findActive(organizationId, app.id);
  let action: 'installation.created' | 'installation.updated' | null = null;
  if (!installation) {
    installation = newInstallation({ id: newId('ins', now, deps.random), organizationId, applicationId: app.id, scopes, now });
    try {
      await tx.installations.create(installation);
    } catch (err) {
      // Two grants for the same organization at once: the other created it first. The caller's
      // transaction is aborted (on PostgreSQL) and must run again (grants/outcome.ts does).
      if (isUniqueViolation(err)) throw new ConcurrentInstallationError({ cause: err });
      throw err;
    }
    action = 'installation.created';
  } else {
    // A later consent adds scopes to the installation; it never takes away what was granted before
    // (narrowing is the merchant's decision in the console, and revokes nothing silently).
    const widened = [...new Set([...installation.scopes, ...scopes])];
    if (widened.length !== installation.scopes.length) {
      installation = { ...installation, scopes: widened, updatedAt: now };
      await tx.installations.update(installation.id, { scopes: widened, updatedAt: now });
      action = 'installation.updated';
    }
  }
  const minted = await mintCredentials(tx, deps, installation, app, {
    origin: input.origin,
    scopes,
    accessTokenTtl: input.issue?.accessTokenTtl ?? app.accessTokenTtl ?? deps.config.refreshAccessTokenTtl,
    ...(input.issue?.refreshPolicy ? { policy: input.issue.refreshPolicy } : {}),
  });
  await appendAudit(tx, deps.random, now, {
    actor: input.grantedBy,
    action: action ?? 'installation.granted',
    target: { type: 'installation', id: installation.id },
    data: { application_id: app.id, organization_id: organizationId, scopes, origin: input.origin, family_id: minted.familyId },
  });
  return {
    installation,
    familyId: minted.familyId,
    response: {
      access_token: minted.accessToken.token,
      token_type: 'Bearer',
      expires_in: minted.accessToken.expiresIn,
      scope: scopes.join(' '),
      refresh_token: minted.refreshToken,
    },
  };
}
