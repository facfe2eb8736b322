import { Badge, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, data, type Application } from '../api/client';
import { formatDate } from '../format';
import { useOrg, type OrgOption } from '../org';
import { EmptyState } from './EmptyState';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';
import { LoadMore } from './LoadMore';

const PAGE_SIZE = 25;

/** A partner organization's view: the installations of each of its apps, read-only. */
export function PartnerInstallations({ org }: { org: OrgOption }) {
  const apps = useInfiniteQuery({
    queryKey: ['applications', org.id, 'partner'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      data(api.GET('/api/v1/applications', { params: { query: { organization_id: org.id, type: 'third_party,native', limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = (apps.data?.pages ?? []).flatMap((p) => p.items);
  if (apps.isError) return <ErrorAlert error={apps.error} title="The partner apps could not be loaded" onRetry={() => void apps.refetch()} />;
  if (apps.isLoading) return <Loading />;
  return (
    <Stack gap="lg">
      {items.length === 0 ? (
        <EmptyState title="No partner apps yet">Register one under Partner apps; merchants who install it appear here.</EmptyState>
      ) : (
        items.map((a) => <AppInstallations key={a.id} app={a} />)
      )}
      <LoadMore hasMore={apps.hasNextPage} loading={apps.isFetchingNextPage} onLoad={() => void apps.fetchNextPage()} shown={items.length} noun="partner apps" />
    </Stack>
  );
}

function AppInstallations({ app }: { app: Application }) {
  const { organizations } = useOrg();
  const names = new Map(organizations.map((o) => [o.id, o.name]));
  const list = useInfiniteQuery({
    queryKey: ['installations', 'of-app', app.id],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => data(api.GET('/api/v1/installations', { params: { query: { application_id: app.id, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = (list.data?.pages ?? []).flatMap((p) => p.items);
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'md' }} data-testid="partner-app-installations">
      <Group justify="space-between" mb="xs" gap="xs">
        <Title order={2} fz="lg" style={{ overflowWrap: 'anywhere' }}>
          {app.name}
        </Title>
        <Text fz="sm" c="dimmed">
          {list.isLoading ? '' : `${items.length}${list.hasNextPage ? '+' : ''} installation${items.length === 1 ? '' : 's'}`}
        </Text>
      </Group>
      {list.isError ? (
        <ErrorAlert error={list.error} title="The installations could not be loaded" onRetry={() => void list.refetch()} />
      ) : list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text c="dimmed" fz="sm">
          No merchant has installed it yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560} type="native">
          <Table verticalSpacing="xs" aria-label={`Installations of ${app.name}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Merchant</Table.Th>
                <Table.Th>Granted scopes</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Installed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((i) => (
                <Table.Tr key={i.id} data-testid="partner-installation">
                  <Table.Td>
                    {i.organization_name ?? names.get(i.organization_id) ?? (
                      <Text ff="monospace" fz="sm">
                        {i.organization_id}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {i.scopes.map((s) => (
                        <Badge key={s} variant="light" tt="none" size="sm">
                          {s}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={i.status === 'active' ? 'green' : 'gray'} variant="light">
                      {i.status === 'active' ? (i.delivery_failed_at ? 'Credentials undelivered' : 'Installed') : 'Uninstalled'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{formatDate(i.created_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {!list.isLoading && !list.isError && list.hasNextPage && (
        <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onLoad={() => void list.fetchNextPage()} shown={items.length} noun="installations" />
      )}
    </Paper>
  );
}
