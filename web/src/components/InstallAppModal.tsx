import { Alert, Avatar, Badge, Button, Group, Modal, Paper, Stack, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../api/client';
import type { OrgOption } from '../org';
import type { CatalogApplication } from './apiTypes';
import { catalogueKey } from './catalogue';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';
import { LoadMore } from './LoadMore';
import { ScopeChecklist } from './ScopeChecklist';

const PAGE_SIZE = 20;

export const installationsKey = (orgId: string | undefined) => ['installations', orgId] as const;

/**
 * "Install an app": pick one of the available (third-party) applications, then the scopes to grant it.
 * Its credentials go to the partner by webhook; the console never sees them.
 */
export function InstallAppModal({ org, installed, opened, onClose }: { org: OrgOption; installed: Set<string>; opened: boolean; onClose: () => void }) {
  const phone = useMediaQuery('(max-width: 36em)');
  const [chosen, setChosen] = useState<CatalogApplication | null>(null);
  const close = () => {
    setChosen(null);
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={chosen ? `Install ${chosen.name}` : 'Install an app'} size="lg" fullScreen={!!phone} centered>
      {chosen ? <GrantStep org={org} app={chosen} onBack={() => setChosen(null)} onDone={close} /> : <PickStep installed={installed} onPick={setChosen} enabled={opened} />}
    </Modal>
  );
}

function PickStep({ installed, onPick, enabled }: { installed: Set<string>; onPick: (a: CatalogApplication) => void; enabled: boolean }) {
  const catalogue = useInfiniteQuery({
    queryKey: [...catalogueKey, 'pages'],
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => data(api.GET('/api/v1/catalog/applications', { params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = (catalogue.data?.pages ?? []).flatMap((p) => p.items);
  if (catalogue.isError) return <ErrorAlert error={catalogue.error} title="The available apps could not be loaded" onRetry={() => void catalogue.refetch()} />;
  if (catalogue.isLoading) return <Loading />;
  return (
    <Stack gap="sm">
      <Text fz="sm" c="dimmed">
        Apps published by partners. Pick one, then choose what it may do for your organization.
      </Text>
      {items.length === 0 && (
        <Alert color="gray" title="No apps available">
          No partner has published an app yet.
        </Alert>
      )}
      {items.map((a) => {
        const already = installed.has(a.id);
        return (
          <Paper key={a.id} withBorder radius="md" p="sm" data-testid="catalog-app">
            <Group justify="space-between" wrap="nowrap" align="flex-start" gap="sm">
              <Group gap="sm" wrap="nowrap" align="flex-start" style={{ minWidth: 0 }}>
                <Avatar src={a.logo_uri} alt="" radius="sm" color="blue">
                  {a.name.slice(0, 1).toUpperCase()}
                </Avatar>
                <Stack gap={2} style={{ minWidth: 0 }}>
                  <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {a.name}
                  </Text>
                  <Text fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    by {a.organization_name || a.organization_id}
                  </Text>
                  <Group gap={4}>
                    {a.scopes.map((s) => (
                      <Badge key={s} variant="light" tt="none" size="sm">
                        {s}
                      </Badge>
                    ))}
                  </Group>
                </Stack>
              </Group>
              {already ? (
                <Badge color="green" variant="light">
                  Installed
                </Badge>
              ) : (
                <Button size="xs" onClick={() => onPick(a)} aria-label={`Choose ${a.name}`} disabled={a.scopes.length === 0}>
                  Choose
                </Button>
              )}
            </Group>
          </Paper>
        );
      })}
      <LoadMore hasMore={catalogue.hasNextPage} loading={catalogue.isFetchingNextPage} onLoad={() => void catalogue.fetchNextPage()} shown={items.length} noun="apps" />
    </Stack>
  );
}

function GrantStep({ org, app, onBack, onDone }: { org: OrgOption; app: CatalogApplication; onBack: () => void; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [scopes, setScopes] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const install = useMutation({
    mutationFn: () => data(api.POST('/api/v1/installations', { body: { organization_id: org.id, application_id: app.id, scopes } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: `${app.name} is installed`, message: `It may now act for ${org.name} within ${scopes.join(', ')}. Its credentials were sent to ${app.organization_name || 'the partner'}.` });
      await queryClient.invalidateQueries({ queryKey: installationsKey(org.id) });
      onDone();
    },
  });
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (scopes.length === 0) return setError('Pick at least one scope to grant');
        setError(null);
        install.mutate();
      }}
    >
      <Stack gap="md">
        <Text fz="sm">
          <b>{app.name}</b> by {app.organization_name || app.organization_id} will act for <b>{org.name}</b>. It receives its credentials by webhook, for the scopes you grant.
        </Text>
        <ScopeChecklist offered={app.scopes} value={scopes} onChange={(v) => {
            setScopes(v);
            setError(null);
          }} error={error} />
        {install.isError && <ErrorAlert error={install.error} title="Not installed" />}
        <Group justify="space-between" gap="xs">
          <Button variant="default" onClick={onBack}>
            Back
          </Button>
          <Button type="submit" loading={install.isPending}>
            Install
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

