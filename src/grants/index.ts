import type { GrantHandler } from './grant.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { refreshTokenGrant } from './refresh-token.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { cibaGrant } from './ciba.js';

/** Every grant the token endpoint serves, by grant_type. */
export const allGrants: readonly GrantHandler[] = [clientCredentialsGrant, refreshTokenGrant, authorizationCodeGrant, cibaGrant];

export type { GrantHandler, GrantDeps, GrantContext, IssueOptions, TokenResponse } from './grant.js';
