import { Alert, Badge, Button, Group, Loader, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { api, data, messageOf, type Delivery } from '../api/client';
import { applicationKey } from '../components/ApplicationDetail';
import { ErrorAlert } from '../components/ErrorAlert';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { EndpointStateAlert } from '../components/WebhookEndpointActions';
import { EndpointChange, changeTime } from '../components/EndpointChange';
import type { AuditEvent } from '../components/apiTypes';
import { endpointChangesKey, endpointKey, endpointState } from '../components/webhooks';
import { useOrg } from '../org';
import { formatDate, formatDateSeconds, formatTime } from '../format';

const PAGE_SIZE = 25;

const STATUS: Record<string, { label: string; color: string; meaning: string }> = {
  pending: { label: 'Pending', color: 'blue', meaning: 'Waiting for its next attempt.' },
  succeeded: { label: 'Delivered', color: 'green', meaning: 'The receiver answered 2xx.' },
  failed: { label: 'Failed', color: 'red', meaning: 'Every attempt failed; the message (with its tokens) was erased. Reissue the installation’s credentials to send new ones.' },
  held: { label: 'Held', color: 'orange', meaning: 'The subscription is disabled: enable it and held deliveries are sent.' },
  cancelled: { label: 'Cancelled', color: 'gray', meaning: 'Not sent: the subscription or installation went away.' },
  superseded: { label: 'Superseded', color: 'gray', meaning: 'Newer credentials replaced these before they were delivered.' },
};

const ERROR_CLASS: Record<string, string> = {
  timeout: 'timed out',
  connection_refused: 'connection refused',
  dns: 'host name not found',
  tls: 'TLS error',
  blocked_address: 'address not allowed',
  http_status: 'error status',
  network: 'network error',
};

const OUTCOME: Record<string, string> = { in_progress: 'In progress', succeeded: 'Succeeded', failed: 'Failed', abandoned: 'Abandoned (its worker stopped)' };

export const deliveriesKey = (subscriptionId: string, status: string | null) => ['deliveries', subscriptionId, status] as const;

/** The delivery log of one webhook subscription: each delivery, each attempt, and Retry for pending ones. */
export default function DeliveryLogPage() {
  const { id = '', webhookId = '' } = useParams();
  const [status, setStatus] = useState<string | null>(null);
  const app = useQuery({ queryKey: applicationKey(id), queryFn: () => data(api.GET('/api/v1/applications/{id}', { params: { path: { id } } })) });
  const [search] = useSearchParams();
  const highlighted = search.get('delivery');
  const { isPlatformAdmin } = useOrg();
  const sub = useQuery({
    queryKey: endpointKey(id, webhookId),
    queryFn: () => data(api.GET('/api/v1/applications/{id}/webhooks/{webhook_id}', { params: { path: { id, webhook_id: webhookId } } })),
  });
  const deliveries = useInfiniteQuery({
    queryKey: deliveriesKey(webhookId, status),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      data(
        api.GET('/api/v1/webhook-deliveries', {
          params: { query: { subscription_id: webhookId, limit: PAGE_SIZE, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // While something is on its way, keep the log current.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((d) => d.status === 'pending')) ? 3000 : false),
  });
  const items = (deliveries.data?.pages ?? []).flatMap((p) => p.items);
  // What happened to the endpoint itself (edits, rotations, tests, recoveries, disabling), from the
  // audit log: platform administrators only, so for members the endpoint's last change is shown.
  const changes = useQuery({
    queryKey: endpointChangesKey(webhookId),
    enabled: isPlatformAdmin,
    queryFn: () => data(api.GET('/api/v1/audit-events', { params: { query: { target_id: webhookId, limit: 100 } } })),
  });
  // Interleaved by time with the deliveries shown; with more pages to load, only changes since the oldest shown.
  const oldestShown = deliveries.hasNextPage && items.length > 0 ? items[items.length - 1]!.created_at : -Infinity;
  const shownChanges = status ? [] : (changes.data?.items ?? []).filter((e) => changeTime(e) >= oldestShown);
  const entries: ({ kind: 'delivery'; at: number; delivery: Delivery } | { kind: 'change'; at: number; change: AuditEvent })[] = [
    ...items.map((d) => ({ kind: 'delivery' as const, at: d.created_at, delivery: d })),
    ...shownChanges.map((e) => ({ kind: 'change' as const, at: changeTime(e), change: e })),
  ].sort((a, b) => b.at - a.at);

  return (
    <>
      <PageHeader
        title="Delivery log"
        crumbs={[{ label: 'Configuration' }, { label: 'Partner apps', to: '/partner-apps' }, { label: app.data?.name ?? 'Application', to: `/partner-apps/${id}` }, { label: 'Delivery log' }]}
        description={
          sub.data ? (
            <span style={{ overflowWrap: 'anywhere' }}>
              Deliveries to {sub.data.url}{' '}
              <Badge component="span" size="sm" variant="light" color={endpointState(sub.data).color} data-testid="endpoint-status">
                {endpointState(sub.data).label}
              </Badge>
            </span>
          ) : undefined
        }
        actions={
          <Button
            variant="default"
            onClick={() => {
              void deliveries.refetch();
              void sub.refetch();
              if (isPlatformAdmin) void changes.refetch();
            }}
            loading={deliveries.isRefetching && !deliveries.isFetchingNextPage}
          >
            Refresh
          </Button>
        }
      />
      {sub.isError && <ErrorAlert error={sub.error} title="The subscription could not be loaded" />}
      {sub.data && (
        <Stack gap="sm" mb="md">
          <EndpointStateAlert appId={id} endpoint={sub.data} />
          {!isPlatformAdmin && sub.data.updated_at > sub.data.created_at && (
            <Alert color="blue" variant="light" p="sm" data-testid="endpoint-last-change" title={`Endpoint last changed ${formatDate(sub.data.updated_at)}`}>
              <Text fz="sm">
                Deliveries created before then went out with the settings of that time; pending ones use the current URL at their next attempt. The audit log (platform administrators) names
                each change.
              </Text>
            </Alert>
          )}
        </Stack>
      )}
      {changes.isError && <ErrorAlert error={changes.error} title="The endpoint's changes could not be loaded" onRetry={() => void changes.refetch()} />}
      <Group mb="md">
        <Select
          label="Status"
          placeholder="Every status"
          data={Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }))}
          value={status}
          onChange={setStatus}
          clearable
          w={220}
          comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
        />
      </Group>
      {deliveries.isError ? (
        <ErrorAlert error={deliveries.error} title="The delivery log could not be loaded" onRetry={() => void deliveries.refetch()} />
      ) : deliveries.isLoading ? (
        <Loader aria-label="Loading" />
      ) : entries.length === 0 ? (
        <Paper withBorder p="xl" radius="md">
          <Text ta="center" c="dimmed">
            No deliveries{status ? ` with status “${STATUS[status]?.label}”` : ''} yet. They appear when a merchant installs the app, or its installation changes.
          </Text>
        </Paper>
      ) : (
        <Stack gap="md">
          {items.length === 0 && (
            <Text c="dimmed" fz="sm">
              No deliveries{status ? ` with status “${STATUS[status]?.label}”` : ''} yet.
            </Text>
          )}
          {entries.map((e) =>
            e.kind === 'delivery' ? <DeliveryCard key={e.delivery.id} delivery={e.delivery} highlighted={e.delivery.id === highlighted} /> : <EndpointChange key={e.change.id} event={e.change} />,
          )}
        </Stack>
      )}
      {!deliveries.isLoading && !deliveries.isError && (
        <LoadMore hasMore={deliveries.hasNextPage} loading={deliveries.isFetchingNextPage} onLoad={() => void deliveries.fetchNextPage()} shown={items.length} noun="deliveries" one="delivery" />
      )}
    </>
  );
}

const sameDay = (a: number, b: number) => new Date(a).toDateString() === new Date(b).toDateString();

function DeliveryCard({ delivery: d, highlighted = false }: { delivery: Delivery; highlighted?: boolean }) {
  const queryClient = useQueryClient();
  const ref = useRef<HTMLDivElement>(null);
  // Opened from a link to this delivery (e.g. Send test event): bring it into view once.
  useEffect(() => {
    if (highlighted) ref.current?.scrollIntoView({ block: 'center' });
  }, [highlighted]);
  const s = STATUS[d.status] ?? { label: d.status, color: 'gray', meaning: '' };
  const retry = useMutation({
    mutationFn: () => data(api.POST('/api/v1/webhook-deliveries/{id}/retry', { params: { path: { id: d.id } } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Retry started', message: `${d.event_type} is being sent again now.` });
      await queryClient.invalidateQueries({ queryKey: ['deliveries', d.subscription_id] });
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not retried', message: messageOf(err) }),
  });
  return (
    <Paper
      ref={ref}
      withBorder
      radius="md"
      p={{ base: 'sm', sm: 'md' }}
      data-testid="delivery"
      data-status={d.status}
      data-delivery-id={d.id}
      data-at={d.created_at}
      data-highlighted={highlighted || undefined}
      style={highlighted ? { borderColor: 'var(--mantine-color-blue-filled)', boxShadow: '0 0 0 1px var(--mantine-color-blue-filled)' } : undefined}
    >
      <Group justify="space-between" align="flex-start" gap="xs" mb="xs">
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Group gap="xs">
            <Title order={3} fz="md">
              {d.event_type}
            </Title>
            <Badge color={s.color} variant="light" data-testid="delivery-status">
              {s.label}
            </Badge>
          </Group>
          <Text fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {formatDateSeconds(d.created_at)} · message {d.message_id}
            {d.installation_id ? ` · installation ${d.installation_id}` : ''}
          </Text>
        </Stack>
        {d.status === 'pending' && (
          <Button size="xs" variant="light" onClick={() => retry.mutate()} loading={retry.isPending}>
            Retry
          </Button>
        )}
      </Group>
      <Text fz="sm" mb="xs">
        {s.meaning}
        {d.status === 'pending' && d.next_attempt_at ? ` Next attempt ${formatDateSeconds(d.next_attempt_at)}.` : ''} Attempt {d.attempt_count} of {d.max_attempts}.
        {d.last_status_code !== null ? ` Last response: ${d.last_status_code}.` : ''}
      </Text>
      {d.last_error && d.status !== 'succeeded' && (
        <Alert color="orange" p="xs" mb="xs">
          <Text fz="xs">Last error: {d.last_error}</Text>
        </Alert>
      )}
      {d.attempts.length > 0 && (
        <Table.ScrollContainer minWidth={360} type="native">
          <Table fz="sm" verticalSpacing={4} aria-label={`Attempts of ${d.event_type}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>Duration</Table.Th>
                <Table.Th>Response</Table.Th>
                <Table.Th>Outcome</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.attempts.map((a) => (
                <Table.Tr key={a.attempt} data-testid="attempt">
                  <Table.Td>{a.attempt}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{sameDay(a.started_at, d.created_at) ? formatTime(a.started_at) : formatDateSeconds(a.started_at)}</Table.Td>
                  <Table.Td>{a.duration_ms === null ? '—' : `${a.duration_ms} ms`}</Table.Td>
                  <Table.Td>
                    {a.status_code !== null ? a.status_code : '—'}
                    {a.error_class && a.error_class !== 'http_status' ? ` (${ERROR_CLASS[a.error_class] ?? a.error_class})` : ''}
                  </Table.Td>
                  <Table.Td>{OUTCOME[a.outcome] ?? a.outcome}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
