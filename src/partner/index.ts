/**
 * grantry/partner: receive, keep and use installation tokens (docs/partners.md). Depends on
 * `standardwebhooks` and Node built-ins; the SQLite and PostgreSQL stores load better-sqlite3 and pg
 * only when they are first used. Nothing of the Grantry server is imported.
 */
export { createInstallationReceiver } from './receiver.js';
export type {
  InstallationEvent,
  InstallationReceiver,
  InstallationReceiverOptions,
  ReceiverRequest,
  ReceiverResponse,
  FastifyLikeInstance,
  FastifyLikeReply,
  ExpressLikeRequest,
} from './receiver.js';
export { createTokenManager, type TokenManager, type TokenManagerOptions } from './manager.js';
export { memoryStore } from './memory-store.js';
export { sqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { postgresStore, type PostgresStoreOptions } from './postgres-store.js';
export type { TokenStore, StoredInstallation, WebhookChange, CredentialsChange, ReceiveResult, RefreshedTokens, LockedInstallation, LockAttempt } from './store.js';
export type { KeyInput } from './seal.js';
export type { PartnerLogger, LogLevel } from './log.js';
export { PartnerError, InstallationRevokedError, UnknownInstallationError, TokenRequestError, LockTimeoutError, SealError } from './errors.js';
