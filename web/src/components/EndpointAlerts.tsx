import { Anchor, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, data } from '../api/client';
import { formatDate } from '../format';
import type { EndpointSummary } from './apiTypes';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';
import { deliveryLogPath, endpointsKey, endpointState } from './webhooks';

const STATES = ['failing', 'disabled'] as const;

function since(e: EndpointSummary): string {
  if (!e.enabled) {
    if (e.disabled_reason === 'failing') return `disabled ${formatDate(e.disabled_at)}, failing since ${formatDate(e.failing_since)}`;
    if (e.disabled_reason === 'gone') return `disabled ${formatDate(e.disabled_at)}: the receiver answered 410 Gone`;
    return `disabled by a person ${formatDate(e.disabled_at)}`;
  }
  return `failing since ${formatDate(e.failing_since)}`;
}

/**
 * Webhook endpoints that need someone (GET /webhooks?state=failing and ?state=disabled): every one
 * for a platform administrator, a member's own organizations' for a member. Each links to its
 * application (where it can be re-enabled) and its delivery log.
 */
export function EndpointAlerts() {
  const lists = useQueries({
    queries: STATES.map((state) => ({
      queryKey: [...endpointsKey, state],
      queryFn: () => data(api.GET('/api/v1/webhooks', { params: { query: { state } } })),
      refetchInterval: 60_000,
    })),
  });
  const failed = lists.find((l) => l.isError);
  const loading = lists.some((l) => l.isLoading);
  // Disabled first (nothing is being sent), then failing; oldest trouble first within each.
  const items = lists.flatMap((l) => l.data?.items ?? []);
  const trouble = (e: EndpointSummary) => (e.enabled ? (e.failing_since ?? 0) : (e.disabled_at ?? 0));
  items.sort((a, b) => Number(a.enabled) - Number(b.enabled) || trouble(a) - trouble(b));
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'md' }} data-testid="endpoint-alerts" data-count={loading ? undefined : items.length}>
      <Title order={2} fz="md" mb={4}>
        Webhook endpoints that need attention
      </Title>
      {failed ? (
        <ErrorAlert error={failed.error} title="The webhook endpoints could not be loaded" onRetry={() => lists.forEach((l) => void l.refetch())} />
      ) : loading ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text fz="sm" c="dimmed">
          None: every webhook endpoint you can see is enabled and its last attempt succeeded.
        </Text>
      ) : (
        <Stack gap="xs" mt="xs">
          <Text fz="sm" c="dimmed">
            A disabled endpoint holds its deliveries until it is re-enabled; a failing one is disabled if it keeps failing. Partners whose receiver is down do not get their installations’
            credentials.
          </Text>
          {items.map((e) => {
            const state = endpointState(e);
            return (
              <Group key={e.id} justify="space-between" gap="xs" wrap="nowrap" align="flex-start" data-testid="endpoint-alert" data-state={state.state} data-webhook-id={e.id}>
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Anchor component={Link} to={`/partner-apps/${e.application_id}`} fz="sm" fw={600}>
                    {e.application_name ?? e.application_id}
                  </Anchor>
                  <Text fz="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {e.url}
                  </Text>
                  <Text fz="xs" c="dimmed">
                    {since(e)} ·{' '}
                    <Anchor component={Link} to={deliveryLogPath(e.application_id, e.id)} fz="xs">
                      delivery log
                    </Anchor>
                  </Text>
                </Stack>
                <Badge color={state.color} variant="light" style={{ flexShrink: 0 }}>
                  {state.label}
                </Badge>
              </Group>
            );
          })}
        </Stack>
      )}
    </Paper>
  );
}
