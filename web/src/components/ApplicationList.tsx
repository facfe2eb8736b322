import { Alert, Anchor, Badge, Button, Group, Loader, Modal, Paper, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, data, type Application, type CreatedApplication } from '../api/client';
import { useOrg, type OrgOption } from '../org';
import { formatDate } from '../format';
import { ApplicationForm, applicationBody, type AppKind } from './ApplicationForm';
import { CopyValue, ShownOnceWarning } from './SecretOnce';
import { ErrorAlert } from './ErrorAlert';
import { LoadMore } from './LoadMore';
import { PageHeader } from './PageHeader';

export const PAGE_SIZE = 25;

/** What each kind of page lists, who may own it, and what it is called (seed 001 for Token Applications). */
export const KINDS = {
  token: {
    title: 'Token Applications',
    crumbs: [{ label: 'Configuration' }],
    path: '/applications',
    types: ['merchant'],
    create: 'merchant',
    owners: ['merchant', 'platform'],
    register: 'Register new application',
    noun: 'applications',
    one: 'application',
    description: 'Your own applications: they obtain tokens with their client id and secret (client credentials), for the scopes registered here.',
    wrongOrg: 'Token Applications belong to merchant organizations. Pick a merchant organization in the switcher.',
  },
  partner: {
    title: 'Partner apps',
    crumbs: [{ label: 'Configuration' }],
    path: '/partner-apps',
    types: ['third_party', 'native'],
    create: 'third_party',
    owners: ['partner'],
    register: 'Register partner app',
    noun: 'partner apps',
    one: 'partner app',
    description: 'Applications merchants install: they receive refresh tokens by signed webhook or through the authorization code flow.',
    wrongOrg: 'Partner apps belong to partner organizations. Pick a partner organization in the switcher.',
  },
} as const;

export const applicationsKey = (orgId: string | undefined) => ['applications', orgId] as const;

/** The list of an organization's applications of one kind, with registration (seed 001's steps). */
export function ApplicationList({ kind }: { kind: AppKind }) {
  const { current } = useOrg();
  const k = KINDS[kind];
  const [registering, setRegistering] = useState(false);
  const allowed = current !== null && (k.owners as readonly string[]).includes(current.type);
  const apps = useInfiniteQuery({
    // Under applicationsKey(org), which invalidating after a change refreshes (a prefix of this key).
    queryKey: [...applicationsKey(current?.id), kind],
    enabled: allowed,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      // The server filters by type, so every page is full.
      data(api.GET('/api/v1/applications', { params: { query: { organization_id: current!.id, type: k.types.join(','), limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = (apps.data?.pages ?? []).flatMap((p) => p.items);

  return (
    <>
      <PageHeader
        title={k.title}
        crumbs={[...k.crumbs, { label: k.title }]}
        description={current ? <>{k.description}</> : undefined}
        actions={
          allowed && (
            <Button onClick={() => setRegistering(true)} data-testid="register">
              {k.register}
            </Button>
          )
        }
      />
      {!current ? (
        <Alert color="gray">You are not a member of any organization yet. Ask an administrator to add you to one.</Alert>
      ) : !allowed ? (
        <Alert color="blue" title={`${current.name} is a ${current.type} organization`}>
          {k.wrongOrg}
        </Alert>
      ) : apps.isError ? (
        <ErrorAlert error={apps.error} title="The applications could not be loaded" onRetry={() => void apps.refetch()} />
      ) : apps.isLoading ? (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading" />
        </Group>
      ) : (
        <AppTable kind={kind} items={items} />
      )}
      {allowed && !apps.isLoading && !apps.isError && (
        <LoadMore hasMore={apps.hasNextPage} loading={apps.isFetchingNextPage} onLoad={() => void apps.fetchNextPage()} shown={items.length} noun={k.noun} one={k.one} />
      )}
      {allowed && current && <RegisterModal kind={kind} org={current} opened={registering} onClose={() => setRegistering(false)} />}
    </>
  );
}

const ScopeBadges = ({ scopes }: { scopes: string[] }) => (
  <Group gap={4}>
    {scopes.length === 0 ? (
      <Text c="dimmed" fz="sm">
        no scopes
      </Text>
    ) : (
      scopes.map((s) => (
        <Badge key={s} variant="light" tt="none">
          {s}
        </Badge>
      ))
    )}
  </Group>
);

function AppTable({ kind, items }: { kind: AppKind; items: Application[] }) {
  const k = KINDS[kind];
  // A phone gets one card per application instead of a table to scroll sideways.
  const phone = useMediaQuery('(max-width: 36em)');
  if (items.length === 0) {
    return (
      <Paper withBorder p="xl" radius="md">
        <Stack align="center" gap={4}>
          <Text fw={600}>No {k.noun} yet</Text>
          <Text c="dimmed" fz="sm">
            “{k.register}” (top right) registers one.
          </Text>
        </Stack>
      </Paper>
    );
  }
  if (phone) {
    return (
      <Stack gap="sm" aria-label={k.title}>
        {items.map((app) => (
          <Paper key={app.id} withBorder radius="md" p="sm" data-testid="app-row">
            <Stack gap={6}>
              <Anchor component={Link} to={`${k.path}/${app.id}`} fw={600}>
                {app.name}
              </Anchor>
              <Text ff="monospace" fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {app.client_id}
              </Text>
              <ScopeBadges scopes={app.scopes} />
              <Text fz="xs" c="dimmed">
                Registered {formatDate(app.created_at)}
                {kind === 'partner' ? ` · refresh tokens ${app.refresh_policy === 'rotate' ? 'rotate' : 'reused'}` : ''}
              </Text>
            </Stack>
          </Paper>
        ))}
      </Stack>
    );
  }
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={640} type="native">
        <Table striped highlightOnHover verticalSpacing="sm" aria-label={k.title}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Client ID</Table.Th>
              <Table.Th>Scopes</Table.Th>
              {kind === 'partner' && <Table.Th>Refresh policy</Table.Th>}
              <Table.Th>Registered</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((app) => (
              <Table.Tr key={app.id} data-testid="app-row">
                <Table.Td>
                  <Anchor component={Link} to={`${k.path}/${app.id}`} fw={600}>
                    {app.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text ff="monospace" fz="sm">
                    {app.client_id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <ScopeBadges scopes={app.scopes} />
                </Table.Td>
                {kind === 'partner' && <Table.Td>{app.refresh_policy === 'rotate' ? 'Rotate' : 'Reuse'}</Table.Td>}
                <Table.Td>
                  <Text fz="sm">{formatDate(app.created_at)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

/** Registration: the form, then the credentials, shown once. Closing forgets the secret. */
function RegisterModal({ kind, org, opened, onClose }: { kind: AppKind; org: OrgOption; opened: boolean; onClose: () => void }) {
  const k = KINDS[kind];
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreatedApplication | null>(null);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      // Forgotten once the modal is gone, so the form does not reappear while it fades out.
      onExitTransitionEnd={() => setCreated(null)}
      title={created ? 'Application registered' : k.register}
      size="lg"
      closeOnClickOutside={!created}
      centered
    >
      {created ? (
        <Stack gap="md">
          <Text fz="sm">
            <b>{created.name}</b> is registered. It obtains tokens with this client id and secret.
          </Text>
          <CopyValue label="Client ID" value={created.client_id} testId="created-client-id" />
          {created.client_secret && (
            <>
              <CopyValue label="Client secret" value={created.client_secret} testId="created-client-secret" />
              <ShownOnceWarning />
            </>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied the secret</Button>
          </Group>
        </Stack>
      ) : (
        <ApplicationForm
          kind={kind}
          app={null}
          platform={org.type === 'platform'}
          onCancel={onClose}
          onSubmit={async (values) => {
            const app = await data(api.POST('/api/v1/applications', { body: { ...applicationBody(kind, values), type: k.create, organization_id: org.id } }));
            await queryClient.invalidateQueries({ queryKey: applicationsKey(org.id) });
            setCreated(app);
          }}
        />
      )}
    </Modal>
  );
}
