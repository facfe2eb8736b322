import { Alert, Button, Group, Paper, SegmentedControl, SimpleGrid, Space, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { api, data } from '../api/client';
import { formatDate } from '../format';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { PLATFORM_CRUMBS } from '../components/PlatformOnly';
import { EndpointAlerts } from '../components/EndpointAlerts';
import { useOrg } from '../org';
import { count, grantLabel } from '../components/usageFormat';
import type { UsageStats } from '../components/apiTypes';

type Bucket = 'hour' | 'day';

// recharts is large: it loads with this page only.
const UsageCharts = lazy(() => import('../components/UsageCharts'));

/**
 * The platform at a glance: tokens per grant and per application, failures, reuse, webhooks, and the
 * webhook endpoints that are failing or disabled. A member (not in their navigation, but at this
 * address) sees their own organizations' failing and disabled endpoints only.
 */
export default function DashboardPage() {
  const { isPlatformAdmin } = useOrg();
  if (isPlatformAdmin) return <Dashboard />;
  return (
    <>
      <PageHeader title="Dashboard" crumbs={[{ label: 'Dashboard' }]} description="Your organizations’ webhook endpoints that need attention." />
      <Stack gap="md">
        <EndpointAlerts />
        <Alert color="gray" title="Usage figures are for platform administrators" data-testid="platform-only">
          Tokens issued, failed client authentications and webhook failure rates across the platform are part of its administration. Only platform administrators can see them.
        </Alert>
      </Stack>
    </>
  );
}

function Dashboard() {
  const [bucket, setBucket] = useState<Bucket>('hour');
  const stats = useQuery({
    queryKey: ['stats', bucket],
    queryFn: () => data(api.GET('/api/v1/stats', { params: { query: { bucket } } })),
    refetchInterval: 60_000,
    placeholderData: (prev) => prev,
  });
  return (
    <>
      <PageHeader
        title="Dashboard"
        crumbs={[...PLATFORM_CRUMBS, { label: 'Dashboard' }]}
        description={stats.data ? `${formatDate(stats.data.from)} – ${formatDate(stats.data.to)}, every server of this Grantry.` : 'Usage of every server of this Grantry.'}
        actions={
          <Group gap="xs">
            <SegmentedControl
              value={bucket}
              onChange={(v) => setBucket(v as Bucket)}
              aria-label="Range"
              data={[
                { value: 'hour', label: '24 hours' },
                { value: 'day', label: '30 days' },
              ]}
            />
            <Button variant="default" onClick={() => void stats.refetch()} loading={stats.isFetching && !stats.isLoading}>
              Refresh
            </Button>
          </Group>
        }
      />
      <EndpointAlerts />
      <Space h="md" />
      {stats.isError ? (
        <ErrorAlert error={stats.error} title="The statistics could not be loaded" onRetry={() => void stats.refetch()} />
      ) : !stats.data ? (
        <Loading />
      ) : (
        <Stack gap="md" style={{ opacity: stats.isPlaceholderData ? 0.6 : 1 }} data-testid="dashboard" data-bucket={stats.data.bucket}>
          <StatCards stats={stats.data} />
          <Suspense fallback={<Loading />}>
            <UsageCharts stats={stats.data} />
          </Suspense>
        </Stack>
      )}
    </>
  );
}

function StatCard({ label, value, hint, testId, color }: { label: string; value: string; hint: string; testId: string; color?: string }) {
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'md' }} data-testid={testId}>
      <Text fz="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={{ base: 24, sm: 28 }} fw={700} c={color} data-testid={`${testId}-value`}>
        {value}
      </Text>
      <Text fz="xs" c="dimmed">
        {hint}
      </Text>
    </Paper>
  );
}

function StatCards({ stats }: { stats: UsageStats }) {
  const t = stats.totals;
  const tokens = Object.values(t.tokens).reduce((a, b) => a + b, 0);
  const top = Object.entries(t.tokens).sort((a, b) => b[1] - a[1])[0];
  const attempts = t.webhook_attempts_failed + t.webhook_attempts_succeeded;
  const rate = attempts === 0 ? null : (100 * t.webhook_attempts_failed) / attempts;
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }} spacing={{ base: 'xs', sm: 'md' }}>
      <StatCard label="Tokens issued" value={count(tokens)} hint={top ? `most: ${grantLabel(top[0])} (${count(top[1])})` : 'none in this range'} testId="stat-tokens" />
      <StatCard
        label="Failed client authentications"
        value={count(t.client_auth_failures)}
        hint="wrong or unknown client credentials"
        testId="stat-auth-failures"
        color={t.client_auth_failures > 0 ? 'orange' : undefined}
      />
      <StatCard
        label="Refresh-token reuse"
        value={count(t.refresh_reuse_detections)}
        hint="detections: each revoked a whole family"
        testId="stat-reuse"
        color={t.refresh_reuse_detections > 0 ? 'red' : undefined}
      />
      <StatCard
        label="Webhook failure rate"
        value={rate === null ? '—' : `${rate.toFixed(rate > 0 && rate < 10 ? 1 : 0)} %`}
        hint={attempts === 0 ? 'no delivery attempts' : `${count(t.webhook_attempts_failed)} failed of ${count(attempts)} attempts`}
        testId="stat-webhooks"
        color={rate !== null && rate > 0 ? 'red' : undefined}
      />
    </SimpleGrid>
  );
}
