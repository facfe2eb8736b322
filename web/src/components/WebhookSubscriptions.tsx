import { Anchor, Badge, Button, Group, Modal, Paper, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { api, data, messageOf, type Application, type CreatedSubscription, type Subscription } from '../api/client';
import { CopyValue, ShownOnceWarning } from './SecretOnce';
import { ErrorAlert } from './ErrorAlert';
import { confirmDanger } from './confirm';
import { formatDate } from '../format';
import { WebhookEndpointForm, type EndpointBody } from './WebhookEndpointForm';
import { EndpointStateAlert, RecoverModal, RotateSecretModal, SigningSecrets, TestEventModal } from './WebhookEndpointActions';
import { deliveryLogPath, endpointState, subscriptionsKey, useEndpointRefresh, type EventName } from './webhooks';

export { subscriptionsKey };

/**
 * Webhook endpoints (subscriptions) of a partner app: add (the signing secret shown once), and per
 * endpoint its state, live signing secrets, delivery log, Edit, Send test event, Rotate signing
 * secret, Recover, Disable / Re-enable, Delete.
 */
export function WebhookSubscriptions({ app }: { app: Application }) {
  const [adding, setAdding] = useState(false);
  const subs = useQuery({ queryKey: subscriptionsKey(app.id), queryFn: () => data(api.GET('/api/v1/applications/{id}/webhooks', { params: { path: { id: app.id } } })) });
  const refresh = useEndpointRefresh();
  const items = subs.data?.items ?? [];
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'lg' }}>
      <Group justify="space-between" mb="sm" gap="xs">
        <Stack gap={0} style={{ minWidth: 0, flex: '1 1 14rem' }}>
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
        <Stack gap="sm">
          {!subs.isLoading && items.length === 0 && (
            <Text c="dimmed" fz="sm">
              No subscriptions: installations of this app cannot deliver its refresh tokens. Add one.
            </Text>
          )}
          {items.map((s) => (
            <EndpointCard key={s.id} app={app} endpoint={s} />
          ))}
        </Stack>
      )}
      <AddSubscriptionModal app={app} opened={adding} onClose={() => setAdding(false)} onCreated={() => void refresh(app.id)} />
    </Paper>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2} style={{ minWidth: 0 }}>
      <Text fz="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      {children}
    </Stack>
  );
}

type Dialog = 'edit' | 'rotate' | 'test' | 'recover' | null;

/** One endpoint: what it is, its state, its signing secrets, and what can be done with it. */
function EndpointCard({ app, endpoint: s }: { app: Application; endpoint: Subscription }) {
  const refresh = useEndpointRefresh();
  const [dialog, setDialog] = useState<Dialog>(null);
  const state = endpointState(s);
  const disable = useMutation({
    mutationFn: () => data(api.PATCH('/api/v1/applications/{id}/webhooks/{webhook_id}', { params: { path: { id: app.id, webhook_id: s.id } }, body: { enabled: false } })),
    onSuccess: async (r) => {
      notifications.show({
        color: 'green',
        title: 'Subscription disabled',
        message: `New deliveries are held until you enable it again${r.held_deliveries > 0 ? ` (${r.held_deliveries} pending now held)` : ''}.`,
      });
      await refresh(app.id, s.id);
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not changed', message: messageOf(err) }),
  });
  const remove = useMutation({
    mutationFn: () => data(api.DELETE('/api/v1/applications/{id}/webhooks/{webhook_id}', { params: { path: { id: app.id, webhook_id: s.id } } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Subscription deleted', message: 'No more deliveries go to that URL.' });
      await refresh(app.id);
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not deleted', message: messageOf(err) }),
  });
  const disabled = state.state === 'disabled';
  const noUpdates = !s.events.includes('INSTALLATION.UPDATE');
  const recoverBlocked = disabled ? 'Re-enable the endpoint first' : noUpdates ? 'Recovered credentials come as INSTALLATION.UPDATE: add that event first' : null;

  return (
    <Paper withBorder radius="md" p={{ base: 'xs', sm: 'md' }} data-testid="subscription-row" data-state={state.state} data-webhook-id={s.id}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" gap="xs" wrap="nowrap">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Text ff="monospace" fz="sm" fw={600} style={{ overflowWrap: 'anywhere' }} data-testid="endpoint-url">
              {s.url}
            </Text>
            {s.description && (
              <Text fz="sm" c="dimmed" data-testid="endpoint-description" style={{ overflowWrap: 'anywhere' }}>
                {s.description}
              </Text>
            )}
          </Stack>
          <Badge color={state.color} variant="light" style={{ flexShrink: 0 }} data-testid="endpoint-status">
            {state.label}
          </Badge>
        </Group>
        <Group gap={4} data-testid="endpoint-events">
          {s.events.map((e) => (
            <Badge key={e} variant="light" color="grape" tt="none">
              {e}
            </Badge>
          ))}
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Field label="Rate limit">
            <Text fz="sm" data-testid="endpoint-rate-limit">
              {s.rate_limit === null ? 'No limit' : `${s.rate_limit} per second`}
            </Text>
          </Field>
          <Field label="Signing secrets">
            <SigningSecrets endpoint={s} />
          </Field>
          <Field label="Created">
            <Text fz="sm">
              {formatDate(s.created_at)}
              {s.updated_at > s.created_at ? ` · changed ${formatDate(s.updated_at)}` : ''}
            </Text>
          </Field>
        </SimpleGrid>
        <EndpointStateAlert appId={app.id} endpoint={s} />
        <Group gap={6} justify="flex-end">
          <Anchor component={Link} to={deliveryLogPath(app.id, s.id)} fz="sm" mr="xs">
            Delivery log
          </Anchor>
          <Button size="compact-sm" variant="light" onClick={() => setDialog('edit')}>
            Edit
          </Button>
          <Tooltip label="Re-enable the endpoint first" disabled={!disabled}>
            <Button size="compact-sm" variant="light" data-disabled={disabled || undefined} aria-disabled={disabled} onClick={(e) => (disabled ? e.preventDefault() : setDialog('test'))}>
              Send test event
            </Button>
          </Tooltip>
          <Button size="compact-sm" variant="light" onClick={() => setDialog('rotate')}>
            Rotate signing secret
          </Button>
          <Tooltip label={recoverBlocked ?? ''} disabled={!recoverBlocked}>
            <Button
              size="compact-sm"
              variant="light"
              data-disabled={!!recoverBlocked || undefined}
              aria-disabled={!!recoverBlocked}
              onClick={(e) => (recoverBlocked ? e.preventDefault() : setDialog('recover'))}
            >
              Recover
            </Button>
          </Tooltip>
          {!disabled && (
            <Button size="compact-sm" variant="subtle" onClick={() => disable.mutate()} loading={disable.isPending}>
              Disable
            </Button>
          )}
          <Button
            size="compact-sm"
            variant="subtle"
            color="red"
            onClick={() =>
              confirmDanger({
                title: 'Delete this subscription?',
                message: `No more events go to ${s.url}; deliveries not yet sent are cancelled. This cannot be undone.`,
                confirmLabel: 'Delete subscription',
                onConfirm: () => remove.mutate(),
              })
            }
          >
            Delete
          </Button>
        </Group>
      </Stack>
      <EditEndpointModal app={app} endpoint={s} opened={dialog === 'edit'} onClose={() => setDialog(null)} />
      <RotateSecretModal appId={app.id} endpoint={s} opened={dialog === 'rotate'} onClose={() => setDialog(null)} />
      <TestEventModal appId={app.id} endpoint={s} opened={dialog === 'test'} onClose={() => setDialog(null)} />
      <RecoverModal appId={app.id} endpoint={s} opened={dialog === 'recover'} onClose={() => setDialog(null)} />
    </Paper>
  );
}

/** What an edit changed, in words (the notification after Save). */
function changedWords(body: EndpointBody): string {
  const words: string[] = [];
  if (body.url !== undefined) words.push(`URL → ${new URL(body.url).host}`);
  if (body.events !== undefined) words.push('events');
  if (body.description !== undefined) words.push('description');
  if (body.rate_limit !== undefined) words.push(body.rate_limit === null ? 'no rate limit' : `rate limit ${body.rate_limit}/s`);
  return words.join(', ');
}

function EditEndpointModal({ app, endpoint: s, opened, onClose }: { app: Application; endpoint: Subscription; opened: boolean; onClose: () => void }) {
  const refresh = useEndpointRefresh();
  // A fresh form each time it opens (the endpoint may have changed meanwhile).
  const [generation, setGeneration] = useState(0);
  return (
    <Modal opened={opened} onClose={onClose} onExitTransitionEnd={() => setGeneration((g) => g + 1)} title="Edit endpoint" size="lg" centered>
      <WebhookEndpointForm
        key={generation}
        endpoint={s}
        onCancel={onClose}
        onSubmit={async (body) => {
          const r = await data(
            api.PATCH('/api/v1/applications/{id}/webhooks/{webhook_id}', {
              params: { path: { id: app.id, webhook_id: s.id } },
              body: { ...body, ...(body.events ? { events: body.events as EventName[] } : {}) } as Omit<EndpointBody, 'events'> & { events?: EventName[] },
            }),
          );
          const what = changedWords(body);
          const released = body.enabled === true ? ` ${r.released_deliveries} held deliveries released.` : '';
          const held = body.enabled === false ? ` ${r.held_deliveries} pending deliveries held.` : '';
          notifications.show({ color: 'green', title: 'Endpoint saved', message: `${what ? `Changed: ${what}.` : 'Saved.'}${released}${held}` });
          await refresh(app.id, s.id);
          onClose();
        }}
      />
    </Modal>
  );
}

function AddSubscriptionModal({ app, opened, onClose, onCreated }: { app: Application; opened: boolean; onClose: () => void; onCreated: () => void }) {
  const [created, setCreated] = useState<CreatedSubscription | null>(null);
  const [generation, setGeneration] = useState(0);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        setCreated(null);
        setGeneration((g) => g + 1);
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
          <ShownOnceWarning what="signing secret" remedy="Grantry keeps it encrypted and never shows it again. If it is lost, rotate the signing secret." />
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied the secret</Button>
          </Group>
        </Stack>
      ) : (
        <WebhookEndpointForm
          key={generation}
          onCancel={onClose}
          onSubmit={async (body) => {
            const r = await data(
              api.POST('/api/v1/applications/{id}/webhooks', {
                params: { path: { id: app.id } },
                body: { ...body, url: body.url!, events: body.events as EventName[] },
              }),
            );
            setCreated(r);
            onCreated();
          }}
        />
      )}
    </Modal>
  );
}
