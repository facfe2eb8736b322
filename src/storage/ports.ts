/**
 * Per-capability storage interfaces. Protocol and admin code depend on the narrowest port they need;
 * one Kysely implementation (storage/kysely/) serves SQLite and PostgreSQL.
 */
import type { Application, ClientSecret } from '../domain/application.js';
import type { AuditEvent, Organization, ScopeDefinition } from '../domain/organization.js';
import type { WebhookStore } from './ports-webhooks.js';
import type { InstallationStore, RefreshStore, RevocationStore } from './ports-installations.js';
import type { AuthorizationCodeStore, DecoupledRequestStore, SessionStore, ThrottleStore, UserStore } from './ports-users.js';
import type { PurgeStore } from './ports-purge.js';
import type { UsageStore } from './ports-usage.js';
export type { UsageCount, UsageStore } from './ports-usage.js';
import type { Page, PageRequest } from './paging.js';
export type { Page, PageRequest } from './paging.js';

export interface OrganizationStore {
  create(org: Organization): Promise<void>;
  get(id: string): Promise<Organization | null>;
  /** `ids`: only these organizations (a member's own; empty = none). */
  list(page: PageRequest, filter?: { type?: string | undefined; ids?: readonly string[] | undefined }): Promise<Page<Organization>>;
  /** Deletes an organization that owns no applications; false when it does. */
  delete(id: string): Promise<boolean>;
  hasApplications(id: string): Promise<boolean>;
}

export interface ScopeStore {
  create(scope: ScopeDefinition): Promise<void>;
  get(scope: string): Promise<ScopeDefinition | null>;
  /** The catalogue entries among `scopes` (unknown names are simply absent). */
  getMany(scopes: readonly string[]): Promise<ScopeDefinition[]>;
  list(page: PageRequest): Promise<Page<ScopeDefinition>>;
  update(scope: string, description: string): Promise<boolean>;
  delete(scope: string): Promise<boolean>;
  /** True while an application still lists the scope (it may not be deleted then). */
  inUse(scope: string): Promise<boolean>;
}

export interface ApplicationPatch {
  name?: string;
  scopes?: string[];
  redirectUris?: string[];
  grantTypes?: Application['grantTypes'];
  refreshPolicy?: Application['refreshPolicy'];
  accessTokenTtl?: number | null;
  refreshTokenTtl?: number | null;
  refreshFamilyMaxAge?: number | null;
  refreshGracePeriod?: number | null;
  logoUri?: string | null;
  partnerId?: number | null;
  updatedAt: number;
}

export interface ApplicationStore {
  create(app: Application, secret: ClientSecret | null): Promise<void>;
  get(id: string): Promise<Application | null>;
  getByClientId(clientId: string): Promise<Application | null>;
  getByPartnerId(partnerId: number): Promise<Application | null>;
  /** `organizationIds`: only applications of these organizations (a member's own; empty = none). */
  list(
    page: PageRequest,
    filter?: { organizationId?: string | undefined; organizationIds?: readonly string[] | undefined; types?: readonly string[] | undefined },
  ): Promise<Page<Application>>;
  update(id: string, patch: ApplicationPatch): Promise<Application | null>;
  delete(id: string): Promise<boolean>;
  secrets(applicationId: string): Promise<ClientSecret[]>;
  addSecret(secret: ClientSecret): Promise<void>;
  /** Sets a secret's expiry (revocation is expiry "now"); false when no such secret. */
  expireSecret(applicationId: string, secretId: string, expiresAt: number): Promise<boolean>;
  deleteExpiredSecrets(applicationId: string, now: number): Promise<number>;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  publicJwk: string;
  sealedPrivateJwk: string;
  createdAt: number;
  activatesAt: number;
  retiredAt: number | null;
}

export interface KeyStore {
  all(): Promise<SigningKeyRecord[]>;
  insert(key: SigningKeyRecord): Promise<void>;
  /** Marks every key that is not retired yet, other than `exceptKid`, as retired at `at`. */
  retireOthers(exceptKid: string, at: number): Promise<void>;
  deleteRetiredBefore(cutoff: number): Promise<number>;
}

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  list(page: PageRequest, filter?: { action?: string | undefined; targetId?: string | undefined }): Promise<Page<AuditEvent>>;
}

export interface MetaStore {
  get(key: string): Promise<string | null>;
  /** Inserts the value unless the key exists; returns the value that is stored afterwards. */
  putIfAbsent(key: string, value: string): Promise<string>;
  delete(key: string): Promise<void>;
}

export interface Stores {
  dialect: 'sqlite' | 'postgres';
  webhooks: WebhookStore;
  installations: InstallationStore;
  refresh: RefreshStore;
  revocations: RevocationStore;
  organizations: OrganizationStore;
  scopes: ScopeStore;
  applications: ApplicationStore;
  keys: KeyStore;
  audit: AuditStore;
  meta: MetaStore;
  users: UserStore;
  sessions: SessionStore;
  throttle: ThrottleStore;
  authorizationCodes: AuthorizationCodeStore;
  decoupled: DecoupledRequestStore;
  /** Bounded deletes of expired rows (src/maintenance/purge.ts decides what has expired). */
  purge: PurgeStore;
  /** Hourly totals for the dashboard (src/metrics/usage.ts). */
  usage: UsageStore;
  /** Runs `fn` with stores bound to one database transaction. */
  transaction<T>(fn: (stores: Stores) => Promise<T>): Promise<T>;
  /** A trivial query, for readiness checks. */
  ping(): Promise<void>;
}
