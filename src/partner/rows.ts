/** The installations table's row, the same columns in the SQLite and PostgreSQL adapters. */
import type { Sealer } from './seal.js';
import type { StoredInstallation } from './store.js';

export interface InstallationRow {
  installation_id: string;
  status: string;
  credentials_version: number;
  revision: number;
  refresh_token: string | null;
  access_token: string | null;
  access_token_expires_at: number | null;
  access_token_issued_at: number | null;
  organization_id: string | null;
  client_id: string | null;
  scopes: string;
  updated_at: number;
}

/** Row ↔ record, shared with the PostgreSQL adapter (same columns). */
export function rowToRecord(row: InstallationRow, sealer: Sealer): StoredInstallation {
  const id = row.installation_id;
  return {
    installationId: id,
    status: row.status as StoredInstallation['status'],
    credentialsVersion: Number(row.credentials_version),
    revision: Number(row.revision),
    refreshToken: row.refresh_token === null ? null : sealer.open(row.refresh_token, id, 'refresh_token'),
    accessToken: row.access_token === null ? null : sealer.open(row.access_token, id, 'access_token'),
    accessTokenExpiresAt: row.access_token_expires_at === null ? null : Number(row.access_token_expires_at),
    accessTokenIssuedAt: row.access_token_issued_at === null ? null : Number(row.access_token_issued_at),
    organizationId: row.organization_id,
    clientId: row.client_id,
    scopes: JSON.parse(row.scopes) as string[],
    updatedAt: Number(row.updated_at),
  };
}

