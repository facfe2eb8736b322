import type { GrantHandler } from './grant.js';
import { clientCredentialsGrant } from './client-credentials.js';

/** Every grant the token endpoint serves, by grant_type. */
export const allGrants: readonly GrantHandler[] = [clientCredentialsGrant];

export type { GrantHandler, GrantDeps, GrantContext, TokenResponse } from './grant.js';
