import { Alert, Badge, Button, Group, Modal, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data, messageOf } from '../api/client';
import { formatDate } from '../format';
import type { CatalogApplication, Installation } from './apiTypes';
import { confirmDanger } from './confirm';
import { ErrorAlert } from './ErrorAlert';
import { installationsKey } from './InstallAppModal';
import { ScopeChecklist } from './ScopeChecklist';

/** An installation in a merchant organization: its app, granted scopes, and (for owners and admins) changes. */
export function InstallationCard({ installation: i, app, canChange }: { installation: Installation; app: CatalogApplication | undefined; canChange: boolean }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const name = i.application_name ?? app?.name ?? `Application ${i.application_id}`;
  const refresh = () => queryClient.invalidateQueries({ queryKey: installationsKey(i.organization_id) });
  const uninstall = useMutation({
    mutationFn: () => data(api.DELETE('/api/v1/installations/{id}', { params: { path: { id: i.id } } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: `${name} uninstalled`, message: 'Its tokens no longer work; the partner was told by webhook.' });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not uninstalled', message: messageOf(err) }),
  });
  const reissue = useMutation({
    mutationFn: () => data(api.POST('/api/v1/installations/{id}/reissue', { params: { path: { id: i.id } } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Credentials reissued', message: `New credentials for ${name} are on their way to the partner.` });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not reissued', message: messageOf(err) }),
  });
  const active = i.status === 'active';
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'md' }} data-testid="installation" data-app={name} data-status={i.status}>
      <Group justify="space-between" align="flex-start" gap="xs">
        <Stack gap={2} style={{ minWidth: 0, flex: '1 1 14rem' }}>
          <Group gap="xs">
            <Title order={3} fz="md" style={{ overflowWrap: 'anywhere' }}>
              {name}
            </Title>
            <Badge color={active ? 'green' : 'gray'} variant="light">
              {active ? 'Installed' : 'Uninstalled'}
            </Badge>
          </Group>
          <Text fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {app ? `by ${app.organization_name || app.organization_id} · ` : ''}installed {formatDate(i.created_at)}
            {active ? (i.updated_at !== i.created_at ? ` · changed ${formatDate(i.updated_at)}` : '') : ` · uninstalled ${formatDate(i.uninstalled_at)}`}
          </Text>
        </Stack>
        {canChange && active && (
          <Group gap="xs">
            <Button size="xs" variant="light" onClick={() => setEditing(true)}>
              Change scopes
            </Button>
            <Button
              size="xs"
              variant="outline"
              color="red"
              loading={uninstall.isPending}
              onClick={() =>
                confirmDanger({
                  title: `Uninstall ${name}?`,
                  message: `Every token it holds for this organization stops working at once, and the partner is told by webhook. Installing it again grants new credentials.`,
                  confirmLabel: 'Uninstall',
                  onConfirm: () => uninstall.mutate(),
                })
              }
            >
              Uninstall
            </Button>
          </Group>
        )}
      </Group>
      <Group gap={4} mt="xs" data-testid="granted-scopes">
        {i.scopes.map((s) => (
          <Badge key={s} variant="light" tt="none">
            {s}
          </Badge>
        ))}
      </Group>
      {active && i.delivery_failed_at !== null && (
        <Alert color="orange" mt="sm" p="xs" title="The partner did not receive its credentials">
          <Text fz="sm">
            Every delivery attempt failed ({formatDate(i.delivery_failed_at)}), so the app cannot act yet.{' '}
            {canChange ? 'Reissue sends new credentials once the partner’s receiver works again.' : 'An owner or admin can reissue them.'}
          </Text>
          {canChange && (
            <Button size="compact-sm" mt="xs" variant="light" color="orange" loading={reissue.isPending} onClick={() => reissue.mutate()}>
              Reissue credentials
            </Button>
          )}
        </Alert>
      )}
      {editing && <ChangeScopesModal installation={i} app={app} name={name} onClose={() => setEditing(false)} />}
    </Paper>
  );
}

function ChangeScopesModal({ installation: i, app, name, onClose }: { installation: Installation; app: CatalogApplication | undefined; name: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [scopes, setScopes] = useState<string[]>(i.scopes);
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => data(api.PATCH('/api/v1/installations/{id}', { params: { path: { id: i.id } }, body: { scopes } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Scopes changed', message: `${name} may now use ${scopes.join(', ')}. New credentials were sent to the partner.` });
      await queryClient.invalidateQueries({ queryKey: installationsKey(i.organization_id) });
      onClose();
    },
  });
  const unchanged = scopes.length === i.scopes.length && scopes.every((s) => i.scopes.includes(s));
  return (
    <Modal opened onClose={onClose} title={`Change the scopes of ${name}`} centered size="lg">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (scopes.length === 0) return setError('Keep at least one scope, or uninstall the app instead');
          save.mutate();
        }}
      >
        <Stack gap="md">
          <ScopeChecklist
            offered={app?.scopes ?? i.scopes}
            value={scopes}
            onChange={(v) => {
              setScopes(v);
              setError(null);
            }}
            error={error}
            label="Granted scopes"
            description="The partner receives new credentials for these scopes; its previous refresh token keeps working, narrowed to them, until the new one is used."
          />
          {save.isError && <ErrorAlert error={save.error} title="Scopes not changed" />}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} disabled={unchanged}>
              Save scopes
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
