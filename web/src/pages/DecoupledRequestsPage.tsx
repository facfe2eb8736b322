import { Button, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../api/client';
import { DecoupledRequestCard, decoupledKey } from '../components/DecoupledRequestCard';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';

const PAGE_SIZE = 20;
type History = 'approved' | 'denied' | 'redeemed' | 'all';

function useRequests(status: 'pending' | History, refetchInterval: number | false) {
  return useInfiniteQuery({
    queryKey: [...decoupledKey, status],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      // Pending: oldest first (the next to decide); the history: every decided status, newest first.
      data(
        api.GET('/api/v1/decoupled-requests', {
          params: { query: { limit: PAGE_SIZE, status: status === 'all' ? 'decided' : status, ...(status === 'pending' ? {} : { order: 'newest' }), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval,
  });
}

/**
 * Decoupled requests (CIBA): apps that ask, from another device, to act for you or for an organization
 * you own or administer. Pending ones are approved or denied here; decided ones are kept as history.
 */
export default function DecoupledRequestsPage() {
  const pending = useRequests('pending', 10_000);
  const [history, setHistory] = useState<History>('all');
  const decided = useRequests(history, false);
  const waiting = (pending.data?.pages ?? []).flatMap((p) => p.items);
  // "All" holds the pending ones too: they are listed above.
  const past = (decided.data?.pages ?? []).flatMap((p) => p.items);
  return (
    <>
      <PageHeader
        title="Decoupled requests"
        crumbs={[{ label: 'Organization' }, { label: 'Decoupled requests' }]}
        description="Apps asking, from a till or another device, to act for you or for an organization you own or administer. Approve only what you are expecting."
        actions={
          <Button variant="default" onClick={() => void Promise.all([pending.refetch(), decided.refetch()])} loading={pending.isRefetching && !pending.isFetchingNextPage}>
            Refresh
          </Button>
        }
      />
      <Stack gap="xl">
        <Stack gap="sm" component="section" aria-labelledby="pending-title">
          <Title order={2} fz="lg" id="pending-title">
            Waiting for a decision
          </Title>
          {pending.isError ? (
            <ErrorAlert error={pending.error} title="The pending requests could not be loaded" onRetry={() => void pending.refetch()} />
          ) : pending.isLoading ? (
            <Loading />
          ) : waiting.length === 0 ? (
            <EmptyState title="Nothing waiting" testId="no-pending">
              When an app asks for access through the decoupled flow, its request appears here until it expires.
            </EmptyState>
          ) : (
            waiting.map((r) => <DecoupledRequestCard key={r.id} request={r} />)
          )}
          {!pending.isLoading && !pending.isError && pending.hasNextPage && (
            <LoadMore hasMore={pending.hasNextPage} loading={pending.isFetchingNextPage} onLoad={() => void pending.fetchNextPage()} shown={waiting.length} noun="requests" />
          )}
        </Stack>

        <Stack gap="sm" component="section" aria-labelledby="history-title">
          <Group justify="space-between" gap="xs">
            <Title order={2} fz="lg" id="history-title">
              History
            </Title>
            <SegmentedControl
              size="xs"
              value={history}
              onChange={(v) => setHistory(v as History)}
              aria-label="Which decided requests"
              data={[
                { value: 'all', label: 'All' },
                { value: 'approved', label: 'Approved' },
                { value: 'redeemed', label: 'Tokens issued' },
                { value: 'denied', label: 'Denied' },
              ]}
            />
          </Group>
          <Text fz="xs" c="dimmed">
            Oldest first. Approved requests become “tokens issued” when the app collects its tokens; undecided ones expire.
          </Text>
          {decided.isError ? (
            <ErrorAlert error={decided.error} title="The history could not be loaded" onRetry={() => void decided.refetch()} />
          ) : decided.isLoading ? (
            <Loading />
          ) : past.length === 0 ? (
            <EmptyState title="No decided requests yet" testId="no-history" />
          ) : (
            <Stack gap="sm" data-testid="history">
              {past.map((r) => (
                <DecoupledRequestCard key={r.id} request={r} />
              ))}
            </Stack>
          )}
          {!decided.isLoading && !decided.isError && (
            <LoadMore hasMore={decided.hasNextPage} loading={decided.isFetchingNextPage} onLoad={() => void decided.fetchNextPage()} shown={past.length} noun="requests" />
          )}
        </Stack>
      </Stack>
    </>
  );
}
