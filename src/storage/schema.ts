/**
 * Row types of every table, as Kysely sees them. Portable SQL: snake_case, text ids with type prefixes,
 * times as bigint epoch milliseconds, JSON as text, booleans as integer 0/1.
 */
import type { Generated } from 'kysely';

export interface OrganizationsTable {
  id: string;
  type: string;
  name: string;
  created_at: number;
}

export interface ScopesTable {
  scope: string;
  audience: string;
  operation: string;
  description: string;
  created_at: number;
}

export interface ApplicationsTable {
  id: string;
  client_id: string;
  name: string;
  type: string;
  organization_id: string;
  scopes: string; // JSON array
  redirect_uris: string; // JSON array
  grant_types: string; // JSON array
  refresh_policy: string;
  access_token_ttl: number | null;
  refresh_token_ttl: number | null;
  refresh_family_max_age: number | null;
  refresh_grace_period: number | null;
  logo_uri: string | null;
  partner_id: number | null;
  created_at: number;
  updated_at: number;
}

export interface ClientSecretsTable {
  id: string;
  application_id: string;
  hash: string;
  hint: string;
  created_at: number;
  expires_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk: string; // sealed with the master key
  created_at: number;
  activates_at: number;
  retired_at: number | null;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  data: string; // JSON object
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  usage_counters: UsageCountersTable;
  organizations: OrganizationsTable;
  scopes: ScopesTable;
  applications: ApplicationsTable;
  client_secrets: ClientSecretsTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
  meta: MetaTable;
  installations: InstallationsTable;
  refresh_families: RefreshFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  revoked_access_tokens: RevokedAccessTokensTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  setup_tokens: SetupTokensTable;
  login_throttle: LoginThrottleTable;
  authorization_codes: AuthorizationCodesTable;
  decoupled_requests: DecoupledRequestsTable;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  platform_admin: number;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  user_id: string;
  organization_id: string;
  role: string;
  created_at: number;
}

export interface SessionsTable {
  hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface SetupTokensTable {
  hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_start: number;
  locked_until: number | null;
}

export interface AuthorizationCodesTable {
  hash: string;
  application_id: string;
  user_id: string;
  organization_id: string;
  redirect_uri: string;
  redirect_uri_given: number;
  scopes: string;
  code_challenge: string | null;
  created_at: number;
  expires_at: number;
  redeemed_at: number | null;
  family_id: string | null;
  installation_id: string | null;
}

export interface DecoupledRequestsTable {
  id: string;
  auth_req_id_hash: string;
  application_id: string;
  scopes: string;
  user_id: string | null;
  organization_id: string | null;
  binding_message: string | null;
  status: string;
  interval: number;
  last_polled_at: number | null;
  decided_by: string | null;
  decided_at: number | null;
  created_at: number;
  expires_at: number;
  family_id: string | null;
  installation_id: string | null;
}

export interface InstallationsTable {
  id: string;
  organization_id: string;
  application_id: string;
  scopes: string;
  status: string;
  credentials_version: number;
  delivery_failed_at: number | null;
  created_at: number;
  updated_at: number;
  uninstalled_at: number | null;
}

export interface RefreshFamiliesTable {
  id: string;
  /** Null for a person's family (origin first_party): subject is then the user id. */
  installation_id: string | null;
  application_id: string;
  subject: string;
  scopes: string;
  policy: string;
  credentials_version: number;
  generation: number;
  status: string;
  revoked_at: number | null;
  revoked_reason: string | null;
  last_access_jti: string | null;
  last_access_exp: number | null;
  absolute_expires_at: number | null;
  created_at: number;
  last_used_at: number | null;
  origin: Generated<string>;
}

export interface RefreshTokensTable {
  hash: string;
  family_id: string;
  generation: number;
  created_at: number;
  expires_at: number | null;
  spent_at: number | null;
  successor_sealed: string | null;
  successor_until: number | null;
}

export interface RevokedAccessTokensTable {
  jti: string;
  expires_at: number;
}

export interface WebhookSubscriptionsTable {
  id: string;
  application_id: string;
  url: string;
  events: string;
  description: string | null;
  rate_limit: number | null;
  disabled_at: number | null;
  disabled_reason: string | null;
  failing_since: number | null;
  rate_next_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookSecretsTable {
  id: string;
  subscription_id: string;
  secret_sealed: string; // sealed with the master key, context webhook_subscriptions:<subscription_id>
  created_at: number;
  expires_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  application_id: string;
  installation_id: string | null;
  credentials_version: number | null;
  event_type: string;
  message_id: string;
  payload_sealed: string | null;
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: number | null;
  leased_by: string | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number | null;
  status_code: number | null;
  error_class: string | null;
  outcome: string;
}

export interface UsageCountersTable {
  bucket: number;
  metric: string;
  application_id: string;
  detail: string;
  count: number;
}
