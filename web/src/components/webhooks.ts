import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, data, type Subscription } from '../api/client';
import type { paths } from '../api/schema';
import type { EndpointSummary, WebhookEventType } from './apiTypes';

/** An event type a subscription may list (the request bodies' type). */
export type EventName = NonNullable<NonNullable<paths['/api/v1/applications/{id}/webhooks/{webhook_id}']['patch']['requestBody']>['content']['application/json']['events']>[number];

export const subscriptionsKey = (appId: string) => ['webhooks', appId] as const;
export const endpointKey = (appId: string, webhookId: string) => ['webhook', appId, webhookId] as const;
/** GET /webhooks?state=… (the dashboard's failing and disabled endpoints). */
export const endpointsKey = ['endpoints'] as const;
export const endpointChangesKey = (webhookId: string) => ['endpoint-changes', webhookId] as const;
export const eventTypesKey = ['webhook-event-types'] as const;

/** Where an endpoint's delivery log is (and, with `delivery`, one delivery in it). */
export const deliveryLogPath = (appId: string, webhookId: string, delivery?: string) =>
  `/partner-apps/${appId}/webhooks/${webhookId}${delivery ? `?delivery=${encodeURIComponent(delivery)}` : ''}`;

/** The event catalogue (GET /webhook-event-types): the same for everyone while the server runs. */
export function useWebhookEventTypes() {
  return useQuery({ queryKey: eventTypesKey, queryFn: () => data(api.GET('/api/v1/webhook-event-types')), staleTime: Infinity });
}

/** The first sentence of a catalogue description: the short label beside a checkbox. */
export function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  return m ? m[1]! : text;
}

/** The event types a person may pick: the catalogue's subscribable ones, plus any the endpoint lists already. */
export function eventChoices(catalogue: WebhookEventType[], current: string[] = []): WebhookEventType[] {
  const choices = catalogue.filter((e) => e.subscribable);
  for (const type of current) {
    if (!choices.some((e) => e.type === type)) choices.push({ type, description: 'Not in the catalogue any more.', subscribable: false, carries_credentials: false, schema: {}, example: { type, timestamp: '', data: {} } });
  }
  return choices;
}

type EndpointLike = Pick<Subscription, 'enabled' | 'disabled_reason' | 'failing_since' | 'disabled_at'>;

export type EndpointStateName = 'enabled' | 'failing' | 'disabled';

/** Enabled, failing (enabled, but only failed attempts since failing_since) or disabled, with a badge for it. */
export function endpointState(s: EndpointLike): { state: EndpointStateName; label: string; color: string } {
  if (!s.enabled) {
    const label = s.disabled_reason === 'gone' ? 'Disabled (receiver gone)' : s.disabled_reason === 'failing' ? 'Disabled (failing)' : 'Disabled';
    return { state: 'disabled', label, color: s.disabled_reason === 'admin' ? 'gray' : 'red' };
  }
  if (s.failing_since !== null) return { state: 'failing', label: 'Failing', color: 'orange' };
  return { state: 'enabled', label: 'Enabled', color: 'green' };
}

/** Everything an endpoint change can show up in: its application's list, the endpoint, the dashboard, its log. */
export function useEndpointRefresh() {
  const queryClient = useQueryClient();
  return (appId: string, webhookId?: string) =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: subscriptionsKey(appId) }),
      queryClient.invalidateQueries({ queryKey: endpointsKey }),
      ...(webhookId
        ? [
            queryClient.invalidateQueries({ queryKey: endpointKey(appId, webhookId) }),
            queryClient.invalidateQueries({ queryKey: ['deliveries', webhookId] }),
            queryClient.invalidateQueries({ queryKey: endpointChangesKey(webhookId) }),
          ]
        : []),
    ]);
}

/** "2026-12-04T17:05" for an <input type="datetime-local"> (local time). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The time an <input type="datetime-local"> holds (local time), or null when empty or not a time. */
export function fromLocalInput(value: string): number | null {
  if (!value.trim()) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export type { EndpointSummary };
