import { Alert, Button, SegmentedControl, Stack, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../api/client';
import { useOrg, type OrgOption } from '../org';
import type { CatalogApplication, Installation } from '../components/apiTypes';
import { useCatalogueLookup } from '../components/catalogue';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { InstallAppModal, installationsKey } from '../components/InstallAppModal';
import { InstallationCard } from '../components/InstallationCard';
import { Loading } from '../components/Loading';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { PartnerInstallations } from '../components/PartnerInstallations';

const PAGE_SIZE = 25;
type StatusFilter = 'active' | 'uninstalled' | 'all';

function useInstallations(orgId: string | undefined, status: StatusFilter, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: [...installationsKey(orgId), status],
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      data(
        api.GET('/api/v1/installations', {
          params: { query: { organization_id: orgId!, limit: PAGE_SIZE, ...(status !== 'all' ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/**
 * Installations: for a merchant, the partner apps installed in the organization (granted scopes, change
 * scopes, uninstall, install another); for a partner, who installed its apps (read-only).
 */
export default function InstallationsPage() {
  const { current, isPlatformAdmin } = useOrg();
  const [installing, setInstalling] = useState(false);
  const merchant = current?.type === 'merchant';
  const canChange = merchant && (isPlatformAdmin || current.role === 'owner' || current.role === 'admin');
  const [status, setStatus] = useState<StatusFilter>('active');
  const list = useInstallations(current?.id, status, merchant);
  const catalogue = useCatalogueLookup();
  const items = (list.data?.pages ?? []).flatMap((p) => p.items);
  const installed = new Set(items.filter((i) => i.status === 'active').map((i) => i.application_id));

  const description = !current
    ? undefined
    : merchant
      ? `Partner apps that may act for ${current.name}, and what each may do.`
      : current.type === 'partner'
        ? `Merchants who installed ${current.name}’s apps, and the scopes they granted (read-only: merchants decide).`
        : undefined;
  return (
    <>
      <PageHeader
        title="Installations"
        crumbs={[{ label: 'Organization' }, { label: 'Installations' }]}
        description={description}
        actions={
          canChange && (
            <Button onClick={() => setInstalling(true)} data-testid="install">
              Install an app
            </Button>
          )
        }
      />
      {!current ? (
        <Alert color="gray">You are not a member of any organization yet. Ask an administrator to add you to one.</Alert>
      ) : current.type === 'partner' ? (
        <PartnerInstallations org={current} />
      ) : !merchant ? (
        <Alert color="blue" title={`${current.name} is the platform organization`}>
          Apps are installed in merchant organizations. Pick a merchant organization in the switcher.
        </Alert>
      ) : (
        <MerchantList
          org={current}
          canChange={canChange}
          status={status}
          onStatus={setStatus}
          list={list}
          items={items}
          catalogue={catalogue.data}
          catalogueError={catalogue.isError ? catalogue.error : null}
        />
      )}
      {canChange && current && <InstallAppModal org={current} installed={installed} opened={installing} onClose={() => setInstalling(false)} />}
    </>
  );
}

function MerchantList({
  org,
  canChange,
  status,
  onStatus,
  list,
  items,
  catalogue,
  catalogueError,
}: {
  org: OrgOption;
  canChange: boolean;
  status: StatusFilter;
  onStatus: (s: StatusFilter) => void;
  list: ReturnType<typeof useInstallations>;
  items: Installation[];
  catalogue: Map<string, CatalogApplication> | undefined;
  catalogueError: unknown;
}) {
  return (
    <Stack gap="md">
      <SegmentedControl
        value={status}
        onChange={(v) => onStatus(v as StatusFilter)}
        data={[
          { value: 'active', label: 'Installed' },
          { value: 'uninstalled', label: 'Uninstalled' },
          { value: 'all', label: 'All' },
        ]}
        aria-label="Which installations"
        style={{ alignSelf: 'flex-start' }}
      />
      {!canChange && (
        <Text fz="sm" c="dimmed">
          Only owners and admins of {org.name} can install apps or change them.
        </Text>
      )}
      {catalogueError !== null && <ErrorAlert error={catalogueError} title="The apps’ names could not be loaded" />}
      {list.isError ? (
        <ErrorAlert error={list.error} title="The installations could not be loaded" onRetry={() => void list.refetch()} />
      ) : list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title={status === 'uninstalled' ? 'No uninstalled apps' : 'No apps installed yet'} testId="no-installations">
          {canChange && status !== 'uninstalled' ? '“Install an app” (top right) picks one from the apps partners publish.' : undefined}
        </EmptyState>
      ) : (
        items.map((i) => <InstallationCard key={i.id} installation={i} app={catalogue?.get(i.application_id)} canChange={canChange} />)
      )}
      {!list.isLoading && !list.isError && (
        <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onLoad={() => void list.fetchNextPage()} shown={items.length} noun="installations" />
      )}
    </Stack>
  );
}
