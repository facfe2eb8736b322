import type { AuthenticatedClient } from '../protocol/client-auth.js';
import type { InstallationTokenDeps } from '../protocol/installation-tokens.js';
import type { Stores } from '../storage/ports.js';
import type { UsageRecorder } from '../metrics/usage.js';

/** The successful token response (RFC 6749 §5.1); serialised as is. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}

/**
 * How the tokens of one request are issued, where a wire shape promises something of its own (seed 004:
 * 5-minute access tokens and one-time refresh tokens). Absent: the application's settings.
 */
export interface IssueOptions {
  accessTokenTtl?: number;
  /** For a new refresh family (code or decoupled grant); an existing family keeps its policy. */
  refreshPolicy?: 'rotate';
}

export interface GrantContext {
  params: Record<string, string>;
  client: AuthenticatedClient;
  issue?: IssueOptions;
}

export interface GrantDeps extends InstallationTokenDeps {
  stores: Stores;
  /** The dashboard's counters (reuse detections); absent in unit tests. */
  usage?: Pick<UsageRecorder, 'record'>;
}

/** Every grant has this shape; grants/index.ts lists them and the token endpoint dispatches on grantType. */
export interface GrantHandler {
  grantType: string;
  handle(ctx: GrantContext, deps: GrantDeps): Promise<TokenResponse>;
}
