import type { OAuthError } from '../domain/oauth-error.js';
import type { Stores } from '../storage/ports.js';
import { ConcurrentInstallationError } from '../protocol/grant-installation.js';
import type { GrantDeps, TokenResponse } from './grant.js';

/**
 * A grant's transaction returns its outcome instead of throwing, so what a failed request must record
 * (a spent code, a revoked family) is committed too.
 */
export type Outcome = { ok: TokenResponse } | { error: OAuthError };

export async function runGrantTransaction(deps: GrantDeps, fn: (tx: Stores) => Promise<Outcome>): Promise<TokenResponse> {
  let outcome: Outcome;
  try {
    outcome = await deps.stores.transaction(fn);
  } catch (err) {
    // Two grants created the same installation at once; the loser's transaction rolled back whole
    // (its code or request is unspent again), and a second run finds the installation and joins it.
    if (!(err instanceof ConcurrentInstallationError)) throw err;
    outcome = await deps.stores.transaction(fn);
  }
  if ('error' in outcome) throw outcome.error;
  return outcome.ok;
}
