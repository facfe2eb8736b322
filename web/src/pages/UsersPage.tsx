import { Anchor, Badge, Button, Group, Paper, Select, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../api/client';
import { formatDate } from '../format';
import { ORG_TYPE_LABEL, useOrg } from '../org';
import type { User } from '../components/apiTypes';
import { CreateUserModal } from '../components/CreateUserModal';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { PLATFORM_CRUMBS, PlatformOnly } from '../components/PlatformOnly';
import { UserDrawer } from '../components/UserDrawer';
import { roleLabel, usersKey } from '../components/userShared';

const PAGE_SIZE = 25;

/** People: who may sign in to the console, their roles in each organization, platform administrators. */
export default function UsersPage() {
  return (
    <PlatformOnly title="Users">
      <Users />
    </PlatformOnly>
  );
}

function Users() {
  const { organizations } = useOrg();
  const names = new Map(organizations.map((o) => [o.id, o.name]));
  const [orgFilter, setOrgFilter] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: [...usersKey, orgFilter],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      data(api.GET('/api/v1/users', { params: { query: { limit: PAGE_SIZE, ...(orgFilter ? { organization_id: orgFilter } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = (list.data?.pages ?? []).flatMap((p) => p.items);
  const orgOptions = (['merchant', 'partner', 'platform'] as const)
    .map((t) => ({ group: `${ORG_TYPE_LABEL[t]} organizations`, items: organizations.filter((o) => o.type === t).map((o) => ({ value: o.id, label: o.name })) }))
    .filter((g) => g.items.length > 0);
  return (
    <>
      <PageHeader
        title="Users"
        crumbs={[...PLATFORM_CRUMBS, { label: 'Users' }]}
        description="People who sign in to the console, and their role in each organization: owners manage everything there, admins apps and installations, developers apps."
        actions={<Button onClick={() => setCreating(true)}>Create user</Button>}
      />
      <Group mb="md">
        <Select
          label="Members of"
          placeholder="Every organization"
          data={orgOptions}
          value={orgFilter}
          onChange={setOrgFilter}
          clearable
          searchable
          w={280}
          maw="100%"
          comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
        />
      </Group>
      {list.isError ? (
        <ErrorAlert error={list.error} title="The users could not be loaded" onRetry={() => void list.refetch()} />
      ) : list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title={orgFilter ? `Nobody belongs to ${names.get(orgFilter) ?? 'this organization'}` : 'No users yet'}>“Create user” (top right) adds one.</EmptyState>
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={760} type="native">
            <Table striped highlightOnHover verticalSpacing="sm" aria-label="Users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Organizations and roles</Table.Th>
                  <Table.Th>Created</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((u) => (
                  <UserRow key={u.id} user={u} names={names} onOpen={() => setOpen(u.id)} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {!list.isLoading && !list.isError && (
        <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onLoad={() => void list.fetchNextPage()} shown={items.length} noun="users" />
      )}
      <CreateUserModal opened={creating} onClose={() => setCreating(false)} onCreated={setOpen} />
      <UserDrawer userId={open} initial={items.find((u) => u.id === open)} onClose={() => setOpen(null)} />
    </>
  );
}

function UserRow({ user: u, names, onOpen }: { user: User; names: Map<string, string>; onOpen: () => void }) {
  return (
    <Table.Tr data-testid="user-row" data-email={u.email}>
      <Table.Td>
        <Anchor component="button" type="button" fw={600} onClick={onOpen} ta="left">
          {u.name || u.email.split('@')[0]}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Text fz="sm" style={{ overflowWrap: 'anywhere' }}>
          {u.email}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          <Badge color={u.status === 'active' ? 'green' : 'gray'} variant="light">
            {u.status === 'active' ? 'Active' : 'Disabled'}
          </Badge>
          {u.platform_admin && (
            <Badge color="grape" variant="light">
              Platform admin
            </Badge>
          )}
          {!u.has_password && (
            <Badge color="yellow" variant="light">
              No password yet
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        {u.memberships.length === 0 ? (
          <Text c="dimmed" fz="sm">
            none
          </Text>
        ) : (
          <Stack gap={2} data-testid="user-memberships">
            {u.memberships.map((m) => (
              <Text fz="sm" key={m.organization_id}>
                {names.get(m.organization_id) ?? m.organization_id} · <Text span c="dimmed" fz="sm">{roleLabel(m.role)}</Text>
              </Text>
            ))}
          </Stack>
        )}
      </Table.Td>
      <Table.Td>
        <Text fz="sm">{formatDate(u.created_at)}</Text>
      </Table.Td>
    </Table.Tr>
  );
}
