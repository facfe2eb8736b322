import { ActionIcon, Badge, Button, Group, Modal, Paper, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data, type Scope } from '../api/client';
import { formatDate } from '../format';
import { confirmDanger } from '../components/confirm';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { LoadMore } from '../components/LoadMore';
import { DeleteIcon, EditIcon } from '../components/actionIcons';
import { PageHeader } from '../components/PageHeader';
import { PLATFORM_CRUMBS, PlatformOnly } from '../components/PlatformOnly';
import { AddScopeForm, EditScopeForm } from '../components/ScopeForms';

const PAGE_SIZE = 100;

/** The scope catalogue, grouped by audience (the API a scope is for): add, describe, delete. */
export default function ScopesPage() {
  return (
    <PlatformOnly title="Scopes">
      <Scopes />
    </PlatformOnly>
  );
}

function Scopes() {
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Scope | null>(null);
  const list = useInfiniteQuery({
    queryKey: ['scopes', 'pages'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => data(api.GET('/api/v1/scopes', { params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = (list.data?.pages ?? []).flatMap((p) => p.items);
  const groups = new Map<string, Scope[]>();
  for (const s of items) groups.set(s.audience, [...(groups.get(s.audience) ?? []), s]);
  const audiences = [...groups.keys()].sort((a, b) => (a === 'grantry') !== (b === 'grantry') ? (a === 'grantry' ? 1 : -1) : a.localeCompare(b));
  // Every list of scopes in the console (pickers, this page) is refreshed after a change.
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['scopes'] });

  const remove = useMutation({
    mutationFn: (s: Scope) => data(api.DELETE('/api/v1/scopes/{scope}', { params: { path: { scope: s.scope } } })),
    onSuccess: async (_r, s) => {
      notifications.show({ color: 'green', title: 'Scope deleted', message: `${s.scope} is no longer in the catalogue.` });
      await refresh();
    },
  });

  return (
    <>
      <PageHeader
        title="Scopes"
        crumbs={[...PLATFORM_CRUMBS, { label: 'Scopes' }]}
        description="What applications may be granted: each scope is an audience (an API of the platform) and an operation there. Descriptions are what merchants read when they grant them."
        actions={<Button onClick={() => setAdding(true)}>Add scope</Button>}
      />
      {remove.isError && <ErrorAlert error={remove.error} title={`${remove.variables?.scope ?? 'The scope'} was not deleted`} />}
      {list.isError ? (
        <ErrorAlert error={list.error} title="The scopes could not be loaded" onRetry={() => void list.refetch()} />
      ) : list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title="No scopes yet">“Add scope” (top right) adds the first, e.g. payments:create.</EmptyState>
      ) : (
        <Stack gap="lg">
          {audiences.map((aud) => (
            <Paper key={aud} withBorder radius="md" p={{ base: 'sm', sm: 'md' }} data-testid="audience" data-audience={aud}>
              <Group gap="xs" mb="xs">
                <Title order={2} fz="lg" ff="monospace">
                  {aud}
                </Title>
                <Badge variant="light" color="gray">
                  {groups.get(aud)!.length} scope{groups.get(aud)!.length === 1 ? '' : 's'}
                </Badge>
                {aud === 'grantry' && (
                  <Text fz="xs" c="dimmed">
                    the platform’s own (console and administration)
                  </Text>
                )}
              </Group>
              <Table.ScrollContainer minWidth={520} type="native">
                <Table verticalSpacing="xs" aria-label={`Scopes of ${aud}`}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th w="30%">Scope</Table.Th>
                      <Table.Th>Description</Table.Th>
                      <Table.Th w={120}>Added</Table.Th>
                      <Table.Th w={96} />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {groups.get(aud)!.map((s) => (
                      <Table.Tr key={s.scope} data-testid="scope-row" data-scope={s.scope}>
                        <Table.Td>
                          <Text ff="monospace" fz="sm">
                            {s.scope}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text fz="sm" c={s.description ? undefined : 'dimmed'} data-testid="scope-description">
                            {s.description || 'No description'}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text fz="sm">{formatDate(s.created_at)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Group gap={4} justify="flex-end" wrap="nowrap">
                            <Tooltip label="Edit the description">
                              <ActionIcon variant="subtle" aria-label={`Edit ${s.scope}`} onClick={() => setEditing(s)}>
                                <EditIcon />
                              </ActionIcon>
                            </Tooltip>
                            <Tooltip label="Delete">
                              <ActionIcon
                                variant="subtle"
                                color="red"
                                aria-label={`Delete ${s.scope}`}
                                loading={remove.isPending && remove.variables?.scope === s.scope}
                                onClick={() =>
                                  confirmDanger({
                                    title: `Delete ${s.scope}?`,
                                    message: 'It leaves the catalogue: no application can be given it any more. Grantry refuses while an application still holds it.',
                                    confirmLabel: 'Delete scope',
                                    onConfirm: () => remove.mutate(s),
                                  })
                                }
                              >
                                <DeleteIcon />
                              </ActionIcon>
                            </Tooltip>
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          ))}
        </Stack>
      )}
      {!list.isLoading && !list.isError && (
        <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onLoad={() => void list.fetchNextPage()} shown={items.length} noun="scopes" />
      )}
      <Modal opened={adding} onClose={() => setAdding(false)} title="Add a scope" centered size="lg">
        <AddScopeForm
          onCancel={() => setAdding(false)}
          onSubmit={async (v) => {
            const s = await data(api.POST('/api/v1/scopes', { body: { scope: v.scope.trim(), description: v.description.trim() } }));
            await refresh();
            setAdding(false);
            notifications.show({ color: 'green', title: 'Scope added', message: `${s.scope} can now be given to applications.` });
          }}
        />
      </Modal>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing ? `Edit ${editing.scope}` : ''} centered size="lg">
        {editing && (
          <EditScopeForm
            scope={editing}
            onCancel={() => setEditing(null)}
            onSubmit={async (v) => {
              await data(api.PATCH('/api/v1/scopes/{scope}', { params: { path: { scope: editing.scope } }, body: { description: v.description.trim() } }));
              await refresh();
              setEditing(null);
              notifications.show({ color: 'green', title: 'Saved', message: `The description of ${editing.scope} was updated.` });
            }}
          />
        )}
      </Modal>
    </>
  );
}
