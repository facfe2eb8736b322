import type { AuditEvent } from '../domain/organization.js';
import type { Page } from '../storage/ports.js';
import { pageRequest, type AdminContext } from './context.js';
import { requirePlatformAdmin } from './access.js';

/**
 * The audit log, newest first. Platform administrators only (docs/console.md): its rows span every
 * organization, and their data names users, emails and other tenants' ids.
 */
export async function listAuditEvents(
  ctx: AdminContext,
  q: { limit?: number | undefined; cursor?: string | undefined; action?: string | undefined; target_id?: string | undefined },
): Promise<Page<AuditEvent>> {
  requirePlatformAdmin(ctx.principal, 'the audit log');
  return ctx.stores.audit.list(pageRequest(q.limit, q.cursor), { action: q.action, targetId: q.target_id });
}
