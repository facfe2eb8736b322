import { Badge, Button, Group, Modal, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, data, messageOf } from '../api/client';
import { formatDateSeconds } from '../format';
import { useOrg } from '../org';
import type { DecoupledRequest } from './apiTypes';
import { useScopeCatalogue } from './ScopePicker';
import { Countdown } from './Countdown';
import { confirmDanger } from './confirm';
import { ErrorAlert } from './ErrorAlert';

export const decoupledKey = ['decoupled-requests'] as const;

export const DECOUPLED_STATUS: Record<DecoupledRequest['status'], { label: string; color: string }> = {
  pending: { label: 'Pending', color: 'blue' },
  approved: { label: 'Approved', color: 'green' },
  redeemed: { label: 'Approved · tokens issued', color: 'teal' },
  denied: { label: 'Denied', color: 'red' },
  expired: { label: 'Expired', color: 'gray' },
};

function Line({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline">
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600} w={110} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>{children}</div>
    </Group>
  );
}

/** Who a decision or a request names, in words. */
function useNames() {
  const { organizations, me } = useOrg();
  const orgs = new Map(organizations.map((o) => [o.id, o.name]));
  return {
    org: (id: string | null) => (id === null ? null : (orgs.get(id) ?? id)),
    actor: (actor: string | null) => (actor === null ? '—' : actor === me.actor ? 'you' : actor),
    isMe: (userId: string | null) => userId !== null && userId === me.user?.id,
  };
}

/** A decoupled (CIBA) request: what the app asks, for whom, until when; Approve / Deny while pending. */
export function DecoupledRequestCard({ request: r }: { request: DecoupledRequest }) {
  const names = useNames();
  const catalogue = useScopeCatalogue();
  const described = new Map((catalogue.data ?? []).map((s) => [s.scope, s.description]));
  const queryClient = useQueryClient();
  const [approving, setApproving] = useState(false);
  const app = r.application_name ?? (r.client_id ? `client ${r.client_id}` : 'a deleted application');
  const s = DECOUPLED_STATUS[r.status];
  const deny = useMutation({
    mutationFn: () => data(api.POST('/api/v1/decoupled-requests/{id}/deny', { params: { path: { id: r.id } }, body: {} })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Request denied', message: `${app} is told that access was denied.` });
      await queryClient.invalidateQueries({ queryKey: decoupledKey });
    },
    onError: async (err) => {
      notifications.show({ color: 'red', title: 'Not denied', message: messageOf(err) });
      await queryClient.invalidateQueries({ queryKey: decoupledKey });
    },
  });
  const pending = r.status === 'pending';
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'md' }} data-testid="decoupled-request" data-status={r.status} data-binding={r.binding_message ?? ''}>
      <Group justify="space-between" align="flex-start" gap="xs" mb="xs">
        <Group gap="xs" style={{ minWidth: 0 }}>
          <Title order={3} fz="md" style={{ overflowWrap: 'anywhere' }}>
            {app}
          </Title>
          <Badge color={s.color} variant="light">
            {s.label}
          </Badge>
        </Group>
        {pending && (
          <Group gap="xs">
            <Button size="xs" color="green" onClick={() => setApproving(true)}>
              Approve
            </Button>
            <Button
              size="xs"
              variant="outline"
              color="red"
              loading={deny.isPending}
              onClick={() =>
                confirmDanger({
                  title: `Deny the request of ${app}?`,
                  message: `${app} will not get access${r.binding_message ? ` for “${r.binding_message}”` : ''}. It can ask again.`,
                  confirmLabel: 'Deny request',
                  onConfirm: () => deny.mutate(),
                })
              }
            >
              Deny
            </Button>
          </Group>
        )}
      </Group>
      <Stack gap={6}>
        {r.binding_message && (
          <Line label="Message">
            <Text fz="sm" fw={600} data-testid="binding-message">
              {r.binding_message}
            </Text>
          </Line>
        )}
        <Line label="For">
          <Text fz="sm">
            {r.organization_id !== null ? names.org(r.organization_id) : names.isMe(r.user_id) ? 'you' : `user ${r.user_id}`}
          </Text>
        </Line>
        <Line label="Scopes">
          <Stack gap={2}>
            {r.scopes.map((sc) => (
              <Text fz="sm" key={sc}>
                <Text span ff="monospace" fz="sm">
                  {sc}
                </Text>
                {described.get(sc) ? <Text span c="dimmed" fz="sm">{` — ${described.get(sc)}`}</Text> : null}
              </Text>
            ))}
          </Stack>
        </Line>
        <Line label={pending ? 'Expires' : 'Asked'}>
          {pending ? <Countdown to={r.expires_at} /> : <Text fz="sm">{formatDateSeconds(r.created_at)}</Text>}
        </Line>
        {r.decided_at !== null && (
          <Line label="Decided">
            <Text fz="sm">
              {formatDateSeconds(r.decided_at)} by {names.actor(r.decided_by)}
            </Text>
          </Line>
        )}
      </Stack>
      {approving && <ApproveModal request={r} app={app} onClose={() => setApproving(false)} />}
    </Paper>
  );
}

/**
 * Approve: the organization that grants is the request's, or, when it names a person who can grant for
 * several, the one chosen here (the API refuses to guess).
 */
function ApproveModal({ request: r, app, onClose }: { request: DecoupledRequest; app: string; onClose: () => void }) {
  const { organizations, me, isPlatformAdmin } = useOrg();
  const queryClient = useQueryClient();
  const names = useNames();
  // The named person's own merchant organizations where they may grant (owner or admin).
  const named = useQuery({
    queryKey: ['user', r.user_id],
    enabled: r.organization_id === null && r.user_id !== null && r.user_id !== me.user?.id && isPlatformAdmin,
    queryFn: () => data(api.GET('/api/v1/users/{id}', { params: { path: { id: r.user_id! } } })),
  });
  const byId = new Map(organizations.map((o) => [o.id, o]));
  const choices =
    r.organization_id !== null
      ? []
      : r.user_id === me.user?.id
        ? organizations.filter((o) => o.type === 'merchant' && (o.role === 'owner' || o.role === 'admin')).map((o) => ({ value: o.id, label: o.name }))
        : (named.data?.memberships ?? [])
            .filter((m) => (m.role === 'owner' || m.role === 'admin') && byId.get(m.organization_id)?.type === 'merchant')
            .map((m) => ({ value: m.organization_id, label: byId.get(m.organization_id)?.name ?? m.organization_id }));
  const [org, setOrg] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const approve = useMutation({
    mutationFn: () => data(api.POST('/api/v1/decoupled-requests/{id}/approve', { params: { path: { id: r.id } }, body: org ? { organization_id: org } : {} })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Request approved', message: `${app} receives its tokens at its next poll.` });
      await queryClient.invalidateQueries({ queryKey: decoupledKey });
      onClose();
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: decoupledKey }),
  });
  const grantingFor = r.organization_id !== null ? names.org(r.organization_id) : choices.length === 1 ? choices[0]!.label : null;
  return (
    <Modal opened onClose={onClose} title={`Approve the request of ${app}?`} centered>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (choices.length > 1 && !org) return setError('Pick the organization you grant access for');
          setError(null);
          approve.mutate();
        }}
      >
        <Stack gap="md">
          <Text fz="sm">
            {app} gets access{grantingFor ? ` to ${grantingFor}` : ''} for {r.scopes.join(', ')}
            {r.binding_message ? `, for “${r.binding_message}”` : ''}. Check that the message matches what you see on the device that asked.
          </Text>
          {choices.length > 1 && (
            <Select
              label="Grant access for"
              placeholder="Pick an organization"
              data={choices}
              value={org}
              onChange={(v) => {
                setOrg(v);
                setError(null);
              }}
              error={error}
              withAsterisk
              comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
            />
          )}
          {approve.isError && <ErrorAlert error={approve.error} title="Not approved" />}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="green" loading={approve.isPending}>
              Approve request
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
