import { Anchor, Autocomplete, Badge, Button, Code, Group, Paper, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, data } from '../api/client';
import { formatDateSeconds } from '../format';
import { useOrg } from '../org';
import type { AuditEvent } from '../components/apiTypes';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { PLATFORM_CRUMBS, PlatformOnly } from '../components/PlatformOnly';

const PAGE_SIZE = 50;

/** The actions Grantry records (src/admin and the OAuth endpoints), offered while typing a filter. */
const ACTIONS = [
  'application.created',
  'application.deleted',
  'application.secret_added',
  'application.secret_revoked',
  'application.updated',
  'authorization.approved',
  'authorization_code.replayed',
  'decoupled_request.created',
  'installation.created',
  'installation.deleted',
  'installation.granted',
  'installation.reissued',
  'installation.updated',
  'key.rotated',
  'master_key.rotated',
  'organization.created',
  'organization.deleted',
  'refresh_token.reuse_detected',
  'refresh_token.revoked',
  'scope.created',
  'scope.deleted',
  'scope.updated',
  'user.created',
  'user.deleted',
  'user.membership_removed',
  'user.membership_set',
  'user.password_set',
  'user.setup_link_created',
  'user.signed_in',
  'user.updated',
  'webhook.delivery_retried',
  'webhook.subscription_created',
  'webhook.subscription_deleted',
  'webhook.subscription_disabled',
  'webhook.subscription_enabled',
];

const colorOf = (action: string) =>
  /deleted|revoked|reuse|replayed|removed/.test(action) ? 'red' : /created|granted|approved|added/.test(action) ? 'green' : /rotated|reissued/.test(action) ? 'orange' : 'blue';

/** The audit log, newest first: who did what to which object; filter by action and target id. */
export default function AuditLogPage() {
  return (
    <PlatformOnly title="Audit log">
      <AuditLog />
    </PlatformOnly>
  );
}

function AuditLog() {
  const [params, setParams] = useSearchParams();
  const action = params.get('action') ?? '';
  const target = params.get('target_id') ?? '';
  const [actionInput, setActionInput] = useState(action);
  const [targetInput, setTargetInput] = useState(target);
  const [error, setError] = useState<string | null>(null);
  const apply = (next: { action: string; target: string }) => {
    setActionInput(next.action.trim());
    setTargetInput(next.target.trim());
    const p = new URLSearchParams();
    if (next.action.trim()) p.set('action', next.action.trim());
    if (next.target.trim()) p.set('target_id', next.target.trim());
    setParams(p);
  };
  const list = useInfiniteQuery({
    queryKey: ['audit-events', action, target],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      data(
        api.GET('/api/v1/audit-events', {
          params: { query: { limit: PAGE_SIZE, ...(action ? { action } : {}), ...(target ? { target_id: target } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = (list.data?.pages ?? []).flatMap((p) => p.items);
  const filtered = action !== '' || target !== '';
  return (
    <>
      <PageHeader
        title="Audit log"
        crumbs={[...PLATFORM_CRUMBS, { label: 'Audit log' }]}
        description="Every change made through the management API, the console and the CLI, and security events (sign-ins, refresh-token reuse), newest first."
        actions={
          <Button variant="default" onClick={() => void list.refetch()} loading={list.isRefetching && !list.isFetchingNextPage}>
            Refresh
          </Button>
        }
      />
      <Paper withBorder radius="md" p="sm" mb="md">
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (actionInput.trim() && !/^[a-z_]+\.[a-z_]+$/.test(actionInput.trim())) return setError('An action is written like scope.created: pick one from the list');
            setError(null);
            apply({ action: actionInput, target: targetInput });
          }}
        >
          <Group align="flex-start" gap="sm" wrap="wrap">
            <Autocomplete
              label="Action"
              placeholder="e.g. scope.created"
              data={ACTIONS}
              value={actionInput}
              onChange={(v) => {
                setActionInput(v);
                setError(null);
              }}
              onOptionSubmit={(v) => apply({ action: v, target: targetInput })}
              error={error}
              limit={40}
              maxDropdownHeight={260}
              comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
              style={{ flex: '1 1 14rem' }}
            />
            <TextInput label="Target id" placeholder="e.g. app_… or payments:create" value={targetInput} onChange={(e) => setTargetInput(e.currentTarget.value)} style={{ flex: '1 1 14rem' }} maxLength={200} />
            <Group gap="xs" mt={25}>
              <Button type="submit">Filter</Button>
              {filtered && (
                <Button
                  variant="default"
                  onClick={() => {
                    setError(null);
                    apply({ action: '', target: '' });
                  }}
                >
                  Clear
                </Button>
              )}
            </Group>
          </Group>
        </form>
      </Paper>
      {list.isError ? (
        <ErrorAlert error={list.error} title="The audit log could not be loaded" onRetry={() => void list.refetch()} />
      ) : list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title={filtered ? 'No event matches these filters' : 'Nothing recorded yet'} testId="no-events" />
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={900} type="native">
            <Table striped verticalSpacing="xs" aria-label="Audit events">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={190}>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <EventRow key={e.id} event={e} onTarget={(id) => apply({ action: '', target: id })} onAction={(a) => apply({ action: a, target })} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {!list.isLoading && !list.isError && (
        <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onLoad={() => void list.fetchNextPage()} shown={items.length} noun="events" />
      )}
    </>
  );
}

function EventRow({ event: e, onTarget, onAction }: { event: AuditEvent; onTarget: (id: string) => void; onAction: (a: string) => void }) {
  const { me } = useOrg();
  const details = Object.entries(e.data);
  return (
    <Table.Tr data-testid="audit-row" data-action={e.action} data-target={e.target_id}>
      <Table.Td>
        <Text fz="sm" style={{ whiteSpace: 'nowrap' }}>
          {formatDateSeconds(e.at)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text fz="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {e.actor === me.actor ? `you (${me.user?.email ?? e.actor})` : e.actor}
        </Text>
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={colorOf(e.action)} tt="none" style={{ cursor: 'pointer' }} onClick={() => onAction(e.action)} title={`Only ${e.action}`}>
          {e.action}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text fz="xs" c="dimmed">
          {e.target_type.replace(/_/g, ' ')}
        </Text>
        <Anchor component="button" type="button" fz="sm" ff="monospace" onClick={() => onTarget(e.target_id)} title="Only events about this" style={{ overflowWrap: 'anywhere', textAlign: 'left' }}>
          {e.target_id}
        </Anchor>
      </Table.Td>
      <Table.Td>
        {details.length === 0 ? (
          <Text c="dimmed" fz="sm">
            —
          </Text>
        ) : (
          <Code block fz="xs" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxWidth: 360 }}>
            {details.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n')}
          </Code>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
