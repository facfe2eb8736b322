import type { AuditEvent, Organization, ScopeDefinition } from '../domain/organization.js';
import type { KeyInfo } from '../keys/key-manager.js';

/**
 * Wire shapes (snake_case, as in the OAuth wire format) shared by the management API and the CLI's
 * --json output, so both print the same thing.
 */
export const orgView = (o: Organization) => ({ id: o.id, type: o.type, name: o.name, created_at: o.createdAt });

export const scopeView = (s: ScopeDefinition) => ({ scope: s.scope, audience: s.audience, operation: s.operation, description: s.description, created_at: s.createdAt });

export const keyView = (k: KeyInfo) => ({
  kid: k.kid,
  alg: k.alg,
  state: k.state,
  created_at: k.createdAt,
  activates_at: k.activatesAt,
  retired_at: k.retiredAt,
  removed_at: k.removedAt,
});

export const auditView = (e: AuditEvent) => ({ id: e.id, at: e.at, actor: e.actor, action: e.action, target_type: e.targetType, target_id: e.targetId, data: e.data });
