import type { OrganizationType } from './application.js';

export interface Organization {
  id: string;
  type: OrganizationType;
  name: string;
  createdAt: number;
}

export interface ScopeDefinition {
  scope: string;
  audience: string;
  operation: string;
  description: string;
  createdAt: number;
}

export interface AuditEvent {
  id: string;
  at: number;
  /** Who did it: `app:<client_id>`, `cli`, `system`. */
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  data: Record<string, unknown>;
}
