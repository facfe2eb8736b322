import { Group, Paper, Text } from '@mantine/core';
import type { AuditEvent } from './apiTypes';
import { formatDate, formatDateSeconds } from '../format';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const rate = (v: unknown) => (num(v) === null ? 'no limit' : `${num(v)}/s`);

/** When the change happened (the audit event's time). */
export const changeTime = (e: AuditEvent): number => e.at;

/** An audit event of a webhook endpoint, in words: a title and, where there is one, what it means. */
export function describeChange(e: AuditEvent): { title: string; detail: string | null } {
  const d = e.data;
  switch (e.action) {
    case 'webhook.subscription_created':
      return { title: `Endpoint created: ${str(d.host) ?? 'URL set'}`, detail: list(d.events).length ? `Events ${list(d.events).join(', ')}.` : null };
    case 'webhook.subscription_updated': {
      const changed = list(d.changed);
      const parts: string[] = [];
      if (changed.includes('url')) parts.push(`URL → ${str(d.host) ?? 'new URL'}${str(d.previous_host) && d.previous_host !== d.host ? ` (was ${str(d.previous_host)})` : ''}`);
      if (changed.includes('events')) {
        const now = list(d.events);
        const before = list(d.previous_events);
        const added = now.filter((x) => !before.includes(x));
        const removed = before.filter((x) => !now.includes(x));
        parts.push(now.length || before.length ? `events ${[...added.map((x) => `+${x}`), ...removed.map((x) => `−${x}`)].join(' ') || 'reordered'}` : 'events');
      }
      if (changed.includes('rate_limit')) parts.push(`rate limit → ${rate(d.rate_limit)}${'previous_rate_limit' in d ? ` (was ${rate(d.previous_rate_limit)})` : ''}`);
      if (changed.includes('description')) parts.push('description');
      for (const f of changed) if (!['url', 'events', 'rate_limit', 'description'].includes(f)) parts.push(f);
      return {
        title: `Endpoint changed: ${parts.join(', ') || 'settings'}`,
        detail: changed.includes('url') ? 'Deliveries still pending went to the new URL from their next attempt.' : changed.includes('events') ? 'Events no longer listed stopped being created; deliveries already created finished.' : null,
      };
    }
    case 'webhook.secret_rotated': {
      const until = num(d.previous_expires_at);
      return { title: 'Signing secret rotated', detail: until === null ? 'The previous secret stopped signing at once.' : `The previous secret signs beside the new one until ${formatDateSeconds(until)}.` };
    }
    case 'webhook.test_sent':
      return { title: 'Test event sent', detail: 'A WEBHOOK.TEST message (no credentials).' };
    case 'webhook.recovered': {
      const queued = num(d.queued) ?? 0;
      const skipped = num(d.skipped) ?? 0;
      const since = str(d.since);
      const until = str(d.until);
      return {
        title: `Recovered: ${plural(queued, 'installation')} queued`,
        detail: `Failed credentials deliveries ${since ? `from ${formatDate(Date.parse(since))}` : ''}${until ? ` to ${formatDate(Date.parse(until))}` : ''}${skipped ? `; ${skipped} skipped (nothing needed)` : ''}.`,
      };
    }
    case 'webhook.subscription_disabled': {
      const reason = str(d.reason);
      const held = num(d.held);
      const heldWords = held ? ` ${plural(held, 'pending delivery', 'pending deliveries')} held.` : '';
      if (reason === 'failing') {
        const since = num(d.failing_since);
        return { title: 'Disabled automatically: failing', detail: `Only failed attempts${since !== null ? ` since ${formatDate(since)}` : ''}.${heldWords}` };
      }
      if (reason === 'gone') return { title: 'Disabled: the receiver answered 410 Gone', detail: heldWords.trim() || null };
      return { title: 'Disabled by a person', detail: heldWords.trim() || null };
    }
    case 'webhook.subscription_enabled': {
      const released = num(d.released) ?? 0;
      return { title: 'Re-enabled', detail: `${plural(released, 'held delivery', 'held deliveries')} released.` };
    }
    default:
      return { title: e.action, detail: null };
  }
}

const actorWords = (actor: string) => (actor === 'system' ? 'Grantry' : actor);

/** One change of the endpoint, between the deliveries of its log. */
export function EndpointChange({ event: e }: { event: AuditEvent }) {
  const { title, detail } = describeChange(e);
  return (
    <Paper radius="md" p={{ base: 'xs', sm: 'sm' }} bg="var(--mantine-color-default-hover)" style={{ borderLeft: '3px solid var(--mantine-color-blue-filled)' }} data-testid="endpoint-change" data-action={e.action} data-at={e.at}>
      <Group justify="space-between" gap="xs" align="flex-start">
        <Text fz="sm" fw={600} style={{ overflowWrap: 'anywhere', minWidth: 0 }}>
          {title}
        </Text>
        <Text fz="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          {formatDateSeconds(e.at)}
        </Text>
      </Group>
      <Text fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
        {detail ? `${detail} ` : ''}By {actorWords(e.actor)}.
      </Text>
    </Paper>
  );
}
