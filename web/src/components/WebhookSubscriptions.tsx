import { Alert, Anchor, Badge, Button, Checkbox, Group, Modal, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, data, messageOf, type Application, type CreatedSubscription, type Subscription } from '../api/client';
import { CopyValue, ShownOnceWarning } from './SecretOnce';
import { ErrorAlert } from './ErrorAlert';
import { confirmDanger } from './confirm';
import { formatDate } from '../format';

/** The events a partner app can subscribe to (docs/webhooks.md). */
export const EVENTS = [
  { value: 'INSTALLATION.CREATE', description: 'A merchant installs the app: carries its refresh token and a 5-minute access token.' },
  { value: 'INSTALLATION.UPDATE', description: 'Scopes changed or credentials were reissued: carries a new refresh token.' },
  { value: 'INSTALLATION.DELETE', description: 'A merchant uninstalled the app; its tokens stopped working.' },
  { value: 'REFRESH_TOKEN.REUSE_DETECTED', description: 'A spent refresh token was presented again; its family was revoked.' },
] as const;

export const subscriptionsKey = (appId: string) => ['webhooks', appId] as const;

/** Webhook subscriptions of a partner app: add (the signing secret shown once), disable/enable, delete, delivery log. */
export function WebhookSubscriptions({ app }: { app: Application }) {
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const subs = useQuery({ queryKey: subscriptionsKey(app.id), queryFn: () => data(api.GET('/api/v1/applications/{id}/webhooks', { params: { path: { id: app.id } } })) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: subscriptionsKey(app.id) });

  const toggle = useMutation({
    mutationFn: (s: Subscription) => data(api.PATCH('/api/v1/applications/{id}/webhooks/{webhook_id}', { params: { path: { id: app.id, webhook_id: s.id } }, body: { enabled: !s.enabled } })),
    onSuccess: async (r) => {
      notifications.show({
        color: 'green',
        title: r.enabled ? 'Subscription enabled' : 'Subscription disabled',
        message: r.enabled ? `${r.released_deliveries} held deliveries will be sent.` : 'New deliveries are held until you enable it again.',
      });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not changed', message: messageOf(err) }),
  });
  const remove = useMutation({
    mutationFn: (s: Subscription) => data(api.DELETE('/api/v1/applications/{id}/webhooks/{webhook_id}', { params: { path: { id: app.id, webhook_id: s.id } } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Subscription deleted', message: 'No more deliveries go to that URL.' });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not deleted', message: messageOf(err) }),
  });

  const items = subs.data?.items ?? [];
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'lg' }}>
      <Group justify="space-between" mb="sm" gap="xs">
        <Stack gap={0}>
          <Title order={2} fz="lg">
            Webhook subscriptions
          </Title>
          <Text fz="sm" c="dimmed">
            Grantry sends installation events, signed per Standard Webhooks, to these URLs.
          </Text>
        </Stack>
        <Button variant="light" onClick={() => setAdding(true)}>
          Add subscription
        </Button>
      </Group>
      {subs.isError ? (
        <ErrorAlert error={subs.error} title="The subscriptions could not be loaded" onRetry={() => void subs.refetch()} />
      ) : (
        <Table.ScrollContainer minWidth={780} type="native">
          <Table verticalSpacing="sm" aria-label="Webhook subscriptions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w="28%">URL</Table.Th>
                <Table.Th>Events</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {!subs.isLoading && items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={5}>
                    <Text c="dimmed" fz="sm">
                      No subscriptions: installations of this app cannot deliver its refresh tokens. Add one.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {items.map((s) => (
                <Table.Tr key={s.id} data-testid="subscription-row">
                  <Table.Td>
                    <Text ff="monospace" fz="sm" style={{ overflowWrap: 'anywhere' }}>
                      {s.url}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {s.events.map((e) => (
                        <Badge key={e} variant="light" color="grape" tt="none">
                          {e}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {s.enabled ? (
                      <Badge color="green" variant="light" style={{ minWidth: 'max-content' }}>
                        Enabled
                      </Badge>
                    ) : (
                      <Badge color="orange" variant="light" style={{ minWidth: 'max-content' }} title={s.disabled_reason === 'gone' ? 'The receiver answered 410 Gone' : 'Disabled by a person'}>
                        {s.disabled_reason === 'gone' ? 'Disabled (receiver gone)' : 'Disabled'}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{formatDate(s.created_at)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Anchor component={Link} to={`/partner-apps/${app.id}/webhooks/${s.id}`} fz="sm">
                        Delivery log
                      </Anchor>
                      <Button size="compact-sm" variant="subtle" onClick={() => toggle.mutate(s)} loading={toggle.isPending && toggle.variables?.id === s.id}>
                        {s.enabled ? 'Disable' : 'Enable'}
                      </Button>
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        color="red"
                        onClick={() =>
                          confirmDanger({
                            title: 'Delete this subscription?',
                            message: `No more events go to ${s.url}; deliveries not yet sent are cancelled. This cannot be undone.`,
                            confirmLabel: 'Delete subscription',
                            onConfirm: () => remove.mutate(s),
                          })
                        }
                      >
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <AddSubscriptionModal app={app} opened={adding} onClose={() => setAdding(false)} onCreated={() => void refresh()} />
    </Paper>
  );
}

function urlProblem(value: string): string | null {
  const v = value.trim();
  if (!v) return 'Enter the URL Grantry should send events to';
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return 'Enter an absolute URL, like https://partner.example/hooks';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The URL must use https';
  if (url.username || url.password) return 'The URL must not contain a user name or password';
  return null;
}

function AddSubscriptionModal({ app, opened, onClose, onCreated }: { app: Application; opened: boolean; onClose: () => void; onCreated: () => void }) {
  const [created, setCreated] = useState<CreatedSubscription | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm<{ url: string; events: string[] }>({
    mode: 'controlled',
    initialValues: { url: '', events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE'] },
    validate: {
      url: urlProblem,
      events: (v) => (v.length === 0 ? 'Pick at least one event' : null),
    },
  });
  const create = useMutation({
    mutationFn: (v: { url: string; events: string[] }) =>
      data(api.POST('/api/v1/applications/{id}/webhooks', { params: { path: { id: app.id } }, body: { url: v.url.trim(), events: v.events as (typeof EVENTS)[number]['value'][] } })),
    onSuccess: (r) => {
      setCreated(r);
      onCreated();
    },
    onError: (err) => {
      const fields = err instanceof ApiError ? err.fieldErrors : {};
      if (fields.url) form.setFieldError('url', fields.url);
      else if (fields.events) form.setFieldError('events', fields.events);
      else setFailure(messageOf(err));
    },
  });
  const close = onClose;
  return (
    <Modal
      opened={opened}
      onClose={close}
      onExitTransitionEnd={() => {
        setCreated(null);
        setFailure(null);
        form.reset();
      }}
      title={created ? 'Subscription added' : 'Add a webhook subscription'}
      size="lg"
      closeOnClickOutside={!created}
      centered
    >
      {created ? (
        <Stack gap="md">
          <Text fz="sm">
            Events go to <b style={{ overflowWrap: 'anywhere' }}>{created.url}</b>, signed with this secret. Your receiver verifies each delivery with it (Standard Webhooks).
          </Text>
          <CopyValue label="Signing secret" value={created.secret} testId="webhook-secret" />
          <ShownOnceWarning what="signing secret" />
          <Group justify="flex-end">
            <Button onClick={close}>I have copied the secret</Button>
          </Group>
        </Stack>
      ) : (
        <form
          noValidate
          onSubmit={form.onSubmit((v) => {
            setFailure(null);
            create.mutate(v);
          })}
        >
          <Stack gap="md">
            <TextInput label="URL" placeholder="https://partner.example/grantry/hooks" withAsterisk data-autofocus {...form.getInputProps('url')} />
            <Checkbox.Group label="Events" withAsterisk {...form.getInputProps('events')}>
              <Stack gap="xs" mt={6}>
                {EVENTS.map((e) => (
                  <Checkbox key={e.value} value={e.value} label={e.value} description={e.description} />
                ))}
              </Stack>
            </Checkbox.Group>
            {failure && (
              <Alert color="red" title="Not added" role="alert">
                {failure}
              </Alert>
            )}
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
