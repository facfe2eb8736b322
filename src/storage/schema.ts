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
  organizations: OrganizationsTable;
  scopes: ScopesTable;
  applications: ApplicationsTable;
  client_secrets: ClientSecretsTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
  meta: MetaTable;
}

// Kept so later tables with generated columns have the import ready in one place.
export type { Generated };
