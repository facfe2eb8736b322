import { Alert, Badge, Button, Group, Loader, Modal, Paper, Radio, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, data, messageOf, type Application, type Secret } from '../api/client';
import { useScopeCatalogue } from './ScopePicker';
import { ApplicationForm, applicationBody, type AppKind } from './ApplicationForm';
import { applicationsKey, KINDS } from './ApplicationList';
import { CopyValue, ShownOnceWarning } from './SecretOnce';
import { ErrorAlert } from './ErrorAlert';
import { PageHeader } from './PageHeader';
import { confirmDanger } from './confirm';
import { formatDate, formatDuration } from '../format';
import { WebhookSubscriptions } from './WebhookSubscriptions';

/** An application hold at most two active secrets (rotation without downtime). */
const MAX_ACTIVE_SECRETS = 2;

export const applicationKey = (id: string) => ['application', id] as const;

/**
 * One application: its details, Edit (name and scopes; for partner apps also redirect URIs and the
 * refresh policy), its client secrets (rotate, add, revoke), and Delete.
 */
export function ApplicationDetail({ kind }: { kind: AppKind }) {
  const { id = '' } = useParams();
  const k = KINDS[kind];
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const app = useQuery({ queryKey: applicationKey(id), queryFn: () => data(api.GET('/api/v1/applications/{id}', { params: { path: { id } } })) });
  const org = useQuery({
    queryKey: ['organization', app.data?.organization_id],
    enabled: !!app.data,
    queryFn: () => data(api.GET('/api/v1/organizations/{id}', { params: { path: { id: app.data!.organization_id } } })),
    staleTime: 60_000,
  });

  const remove = useMutation({
    mutationFn: () => data(api.DELETE('/api/v1/applications/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'Application deleted', message: `${app.data?.name} was deleted; its client id and secrets no longer work.` });
      queryClient.removeQueries({ queryKey: applicationKey(id) });
      await queryClient.invalidateQueries({ queryKey: applicationsKey(app.data?.organization_id) });
      void navigate(k.path);
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not deleted', message: messageOf(err) }),
  });

  const crumbs = [...k.crumbs, { label: k.title, to: k.path }];
  if (app.isLoading) {
    return (
      <>
        <PageHeader title="Application" crumbs={crumbs} />
        <Loader aria-label="Loading" />
      </>
    );
  }
  if (app.isError || !app.data) {
    return (
      <>
        <PageHeader title="Application" crumbs={crumbs} />
        <ErrorAlert error={app.error} title="The application could not be loaded" onRetry={() => void app.refetch()} />
      </>
    );
  }
  const a = app.data;
  return (
    <>
      <PageHeader
        title={a.name}
        crumbs={[...crumbs, { label: a.name }]}
        description={org.data ? `${org.data.name} · ${typeLabel(a.type)}` : typeLabel(a.type)}
        actions={
          !editing && (
            <>
              <Button onClick={() => setEditing(true)}>Edit</Button>
              <Button
                variant="outline"
                color="red"
                loading={remove.isPending}
                onClick={() =>
                  confirmDanger({
                    title: `Delete ${a.name}?`,
                    message: 'Its client id and secrets stop working at once, and the tokens it obtained can no longer be refreshed. This cannot be undone.',
                    confirmLabel: 'Delete application',
                    onConfirm: () => remove.mutate(),
                  })
                }
              >
                Delete
              </Button>
            </>
          )
        }
      />
      <Stack gap="lg">
        {editing ? (
          <Paper withBorder radius="md" p={{ base: 'sm', sm: 'lg' }}>
            <Title order={2} fz="lg" mb="sm">
              Edit application
            </Title>
            <ApplicationForm
              kind={kind}
              app={a}
              platform={org.data?.type === 'platform'}
              onCancel={() => setEditing(false)}
              onSubmit={async (values) => {
                const updated = await data(api.PATCH('/api/v1/applications/{id}', { params: { path: { id } }, body: applicationBody(kind, values, a) }));
                queryClient.setQueryData(applicationKey(id), { ...a, ...updated, secrets: a.secrets });
                await queryClient.invalidateQueries({ queryKey: applicationsKey(a.organization_id) });
                setEditing(false);
                notifications.show({ color: 'green', title: 'Saved', message: `${updated.name} was updated.` });
              }}
            />
          </Paper>
        ) : (
          <Details kind={kind} app={a} />
        )}
        {a.type !== 'public' && <Secrets app={a} />}
        {kind === 'partner' && <WebhookSubscriptions app={a} />}
      </Stack>
    </>
  );
}

const typeLabel = (t: string): string =>
  ({ merchant: 'Token Application (client credentials)', third_party: 'Partner app (third party)', native: 'Native app', public: 'Public client' })[t] ?? t;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <div>{children}</div>
    </Stack>
  );
}

const lifetime = (seconds: number | null, zero: string) => (seconds === null ? 'server default' : seconds === 0 ? zero : formatDuration(seconds));

function Details({ kind, app }: { kind: AppKind; app: Application }) {
  const catalogue = useScopeCatalogue();
  const described = new Map((catalogue.data ?? []).map((s) => [s.scope, s.description]));
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'lg' }}>
      <Stack gap="md">
        <CopyValue label="Client ID" value={app.client_id} testId="client-id" />
        <Field label="Scopes">
          {app.scopes.length === 0 ? (
            <Text c="dimmed">No scopes: this application cannot obtain tokens.</Text>
          ) : (
            <Stack gap={4} data-testid="scopes">
              {app.scopes.map((s) => (
                <Group key={s} gap="xs" wrap="nowrap" align="baseline">
                  <Badge variant="light" tt="none" style={{ flexShrink: 0 }}>
                    {s}
                  </Badge>
                  {described.get(s) && (
                    <Text fz="sm" c="dimmed">
                      {described.get(s)}
                    </Text>
                  )}
                </Group>
              ))}
            </Stack>
          )}
        </Field>
        {kind === 'partner' && (
          <>
            <Field label="Redirect URIs">
              {app.redirect_uris.length === 0 ? (
                <Text c="dimmed" fz="sm">
                  None: people cannot be sent to this app after signing in (installations by webhook still work).
                </Text>
              ) : (
                <Stack gap={2} data-testid="redirect-uris">
                  {app.redirect_uris.map((u) => (
                    <Text key={u} ff="monospace" fz="sm" style={{ overflowWrap: 'anywhere' }}>
                      {u}
                    </Text>
                  ))}
                </Stack>
              )}
            </Field>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="md" data-testid="refresh-policy">
              <Field label="Refresh policy">
                <Text>{app.refresh_policy === 'rotate' ? `Rotate (grace period ${lifetime(app.refresh_grace_period, 'none')})` : 'Reuse'}</Text>
              </Field>
              <Field label="Access token lifetime">
                <Text>{lifetime(app.access_token_ttl, '—')}</Text>
              </Field>
              <Field label="Refresh token lifetime">
                <Text>{lifetime(app.refresh_token_ttl, 'no expiry while installed')}</Text>
              </Field>
              <Field label="Maximum age">
                <Text>{lifetime(app.refresh_family_max_age, 'no limit')}</Text>
              </Field>
              <Field label="Grant types">
                <Text fz="sm">{app.grant_types.join(', ')}</Text>
              </Field>
            </SimpleGrid>
          </>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
          <Field label="Registered">
            <Text>{formatDate(app.created_at)}</Text>
          </Field>
          <Field label="Last changed">
            <Text>{formatDate(app.updated_at)}</Text>
          </Field>
        </SimpleGrid>
      </Stack>
    </Paper>
  );
}

const GRACE_CHOICES = [
  { value: '0', label: 'Immediately', hint: 'Clients still using an old secret fail at once.' },
  { value: '3600', label: 'In 1 hour' },
  { value: '86400', label: 'In 1 day' },
  { value: '604800', label: 'In 7 days' },
];

/** Client secrets: rotate (a new one; the others expire), add a second one, revoke one. */
function Secrets({ app }: { app: Application }) {
  const queryClient = useQueryClient();
  const [fresh, setFresh] = useState<string | null>(null);
  const [showFresh, setShowFresh] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [grace, setGrace] = useState('86400');
  const secrets = app.secrets ?? [];
  const active = secrets.filter((s) => s.active);
  const refresh = () => queryClient.invalidateQueries({ queryKey: applicationKey(app.id) });

  const add = useMutation({
    mutationFn: (expireOthersIn: number | undefined) =>
      data(api.POST('/api/v1/applications/{id}/secrets', { params: { path: { id: app.id } }, body: expireOthersIn === undefined ? {} : { expire_others_in: expireOthersIn } })),
    onSuccess: async (r) => {
      setRotating(false);
      queryClient.setQueryData(applicationKey(app.id), { ...app, secrets: r.secrets });
      setFresh(r.client_secret);
      setShowFresh(true);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (s: Secret) => data(api.DELETE('/api/v1/applications/{id}/secrets/{secret_id}', { params: { path: { id: app.id, secret_id: s.id } } })),
    onSuccess: async (_r, s) => {
      notifications.show({ color: 'green', title: 'Secret revoked', message: `The secret ${s.hint}… no longer works.` });
      await refresh();
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not revoked', message: messageOf(err) }),
  });

  const full = active.length >= MAX_ACTIVE_SECRETS;
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'lg' }}>
      <Group justify="space-between" mb="sm" gap="xs">
        <Title order={2} fz="lg">
          Client secrets
        </Title>
        <Group gap="xs">
          <Button variant="light" onClick={() => setRotating(true)}>
            Rotate secret
          </Button>
          <Tooltip label={`An application holds at most ${MAX_ACTIVE_SECRETS} active secrets: revoke one first`} disabled={!full}>
            <Button
              variant="default"
              loading={add.isPending && !rotating}
              data-disabled={full || undefined}
              aria-disabled={full}
              onClick={(e) => (full ? e.preventDefault() : add.mutate(undefined))}
            >
              Add a second secret
            </Button>
          </Tooltip>
        </Group>
      </Group>
      {add.isError && !rotating && <ErrorAlert error={add.error} title="No secret added" />}
      <Table.ScrollContainer minWidth={520} type="native">
        <Table verticalSpacing="xs" aria-label="Client secrets">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Secret</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {secrets.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed" fz="sm">
                    No secrets: the application cannot authenticate. Add one.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {secrets.map((s) => (
              <Table.Tr key={s.id} data-testid="secret-row">
                <Table.Td>
                  <Text ff="monospace" fz="sm">
                    {s.hint}…
                  </Text>
                </Table.Td>
                <Table.Td>{formatDate(s.created_at)}</Table.Td>
                <Table.Td>{s.expires_at === null ? 'never' : formatDate(s.expires_at)}</Table.Td>
                <Table.Td>
                  <Badge color={s.active ? 'green' : 'gray'} variant="light">
                    {s.active ? (s.expires_at === null ? 'Active' : 'Active until expiry') : 'Revoked or expired'}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right">
                  {s.active && (
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      color="red"
                      aria-label={`Revoke secret ${s.hint}`}
                      onClick={() =>
                        confirmDanger({
                          title: `Revoke the secret ${s.hint}…?`,
                          message:
                            active.length === 1
                              ? 'This is the only active secret: the application cannot obtain tokens until you add a new one. This cannot be undone.'
                              : 'Clients still using this secret can no longer obtain tokens. This cannot be undone.',
                          confirmLabel: 'Revoke secret',
                          onConfirm: () => revoke.mutate(s),
                        })
                      }
                    >
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      <Modal opened={rotating} onClose={() => setRotating(false)} title="Rotate the client secret" centered>
        <Stack gap="md">
          <Text fz="sm">A new secret is created. When should the current secrets stop working?</Text>
          <Radio.Group value={grace} onChange={setGrace} aria-label="When the current secrets stop working">
            <Stack gap="xs">
              {GRACE_CHOICES.map((c) => (
                <Radio key={c.value} value={c.value} label={c.label} description={c.hint} />
              ))}
            </Stack>
          </Radio.Group>
          {add.isError && <Alert color="red">{messageOf(add.error)}</Alert>}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setRotating(false)}>
              Cancel
            </Button>
            <Button color={grace === '0' ? 'red' : undefined} loading={add.isPending} onClick={() => add.mutate(Number(grace))}>
              Rotate secret
            </Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={showFresh} onClose={() => setShowFresh(false)} onExitTransitionEnd={() => setFresh(null)} title="New client secret" closeOnClickOutside={false} centered size="lg">
        {fresh && (
          <Stack gap="md">
            <CopyValue label="Client secret" value={fresh} testId="new-client-secret" />
            <ShownOnceWarning />
            <Group justify="flex-end">
              <Button onClick={() => setShowFresh(false)}>I have copied the secret</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Paper>
  );
}
