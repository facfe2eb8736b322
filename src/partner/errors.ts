/**
 * The kit's typed errors. None of them ever carries a token, a client secret or a response body: only
 * the installation id, OAuth error codes (RFC 6749 §5.2) and HTTP statuses, so they are safe to log.
 */

/** Base class: `instanceof PartnerError` catches every error the kit throws on purpose. */
export class PartnerError extends Error {
  override name = 'PartnerError';
}

/**
 * The installation's refresh token no longer works: Grantry answered `invalid_grant` (RFC 6749 §5.2:
 * revoked, expired, or the installation was uninstalled), or the store already knows it is gone
 * (INSTALLATION.DELETE arrived, or an earlier refresh was refused). Mark the installation gone; only a new
 * INSTALLATION.CREATE/UPDATE webhook (a merchant reinstalling, or an administrator reissuing) revives it.
 */
export class InstallationRevokedError extends PartnerError {
  override name = 'InstallationRevokedError';
  constructor(
    readonly installationId: string,
    readonly reason: 'invalid_grant' | 'uninstalled' | 'revoked',
    readonly description?: string,
  ) {
    super(`installation ${installationId} is no longer usable (${reason}${description ? `: ${description}` : ''})`);
  }
}

/** The store holds no credentials for this installation (its INSTALLATION.CREATE webhook never arrived). */
export class UnknownInstallationError extends PartnerError {
  override name = 'UnknownInstallationError';
  constructor(readonly installationId: string) {
    super(`no credentials are stored for installation ${installationId}`);
  }
}

/**
 * The token endpoint refused or failed the request for a reason other than invalid_grant: client
 * authentication (`invalid_client`: wrong client id or secret), a rate limit or server errors that
 * outlasted the retries, a network failure, or a malformed answer.
 */
export class TokenRequestError extends PartnerError {
  override name = 'TokenRequestError';
  constructor(
    message: string,
    readonly installationId: string,
    /** HTTP status, or null when no response arrived. */
    readonly status: number | null,
    /** The OAuth `error` code of the answer, when it had one. */
    readonly error: string | null,
  ) {
    super(message);
  }
}

/** Another process held the installation's lock for longer than `lockTimeoutMs`. */
export class LockTimeoutError extends PartnerError {
  override name = 'LockTimeoutError';
  constructor(readonly installationId: string, timeoutMs: number) {
    super(`the refresh lock of installation ${installationId} was not acquired within ${timeoutMs} ms`);
  }
}

/** A sealed value did not decrypt with any of the configured keys (a wrong key, or a value moved to another row). */
export class SealError extends PartnerError {
  override name = 'SealError';
}
