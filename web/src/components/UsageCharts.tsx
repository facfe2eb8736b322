import { BarChart, LineChart } from '@mantine/charts';
import { Grid, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import '@mantine/charts/styles.css';
import type { UsageStats } from './apiTypes';
import { count, grantLabel, percent } from './usageFormat';

const PALETTE = ['blue.6', 'teal.6', 'grape.6', 'orange.6', 'cyan.6', 'pink.6', 'lime.7', 'indigo.6', 'yellow.7', 'red.6'];

export function tickFormat(bucket: UsageStats['bucket']): (ms: number) => string {
  const f =
    bucket === 'hour'
      ? new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
      : new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
  return (ms) => f.format(new Date(ms));
}

/** recharts reads a series by key path: grant types and ids become plain keys (g0, a0…), labelled for people. */
export function chartData(stats: UsageStats) {
  const label = tickFormat(stats.bucket);
  const grants = Object.entries(stats.totals.tokens)
    .sort((a, b) => b[1] - a[1])
    .map(([g], i) => ({ key: `g${i}`, grant: g, label: grantLabel(g), color: PALETTE[i % PALETTE.length]! }));
  const apps = stats.applications.map((a, i) => ({ key: `a${i}`, label: a.name ?? (a.client_id ? a.client_id : 'Deleted application'), total: a.total, color: PALETTE[i % PALETTE.length]! }));
  const rows = stats.points.map((p, i) => {
    const attempts = p.webhook_attempts_failed + p.webhook_attempts_succeeded;
    const row: Record<string, number | string | null> = {
      at: label(p.at),
      failures: p.client_auth_failures,
      reuse: p.refresh_reuse_detections,
      rate: attempts === 0 ? null : (100 * p.webhook_attempts_failed) / attempts,
      attempts,
    };
    for (const g of grants) row[g.key] = p.tokens[g.grant] ?? 0;
    stats.applications.forEach((a, j) => (row[`a${j}`] = a.tokens[i] ?? 0));
    return row;
  });
  return { grants, apps, rows };
}

function ChartCard({ title, description, children, testId }: { title: string; description?: ReactNode; children: ReactNode; testId: string }) {
  return (
    <Paper withBorder radius="md" p={{ base: 'sm', sm: 'md' }} data-testid={testId} style={{ minWidth: 0 }}>
      <Title order={2} fz="md">
        {title}
      </Title>
      {description && (
        <Text fz="xs" c="dimmed" mb="sm">
          {description}
        </Text>
      )}
      {children}
    </Paper>
  );
}

const H = 260;
const axis = { xAxisProps: { minTickGap: 24 }, yAxisProps: { width: 40, allowDecimals: false } };

/** The dashboard's charts (recharts, loaded with the dashboard only). */
export default function UsageCharts({ stats }: { stats: UsageStats }) {
  const { grants, apps, rows } = chartData(stats);
  const per = stats.bucket === 'hour' ? 'per hour' : 'per day';
  return (
    <Stack gap="md">
      <ChartCard title="Tokens issued, by grant" description={`Access tokens issued ${per}, stacked by grant type.`} testId="chart-grants">
        {grants.length === 0 ? (
          <NoData />
        ) : (
          <BarChart h={H} data={rows} dataKey="at" type="stacked" series={grants.map((g) => ({ name: g.key, label: g.label, color: g.color }))} withLegend valueFormatter={count} {...axis} />
        )}
      </ChartCard>
      <ChartCard title="Tokens issued, by application" description={`The ${apps.length === 10 ? 'ten ' : ''}applications with most tokens in this range, ${per}.`} testId="chart-applications">
        {apps.length === 0 ? (
          <NoData />
        ) : (
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 8 }} style={{ minWidth: 0 }}>
              <BarChart h={H} data={rows} dataKey="at" type="stacked" series={apps.map((a) => ({ name: a.key, label: a.label, color: a.color }))} valueFormatter={count} {...axis} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <Table verticalSpacing={4} fz="sm" aria-label="Tokens by application">
                <Table.Tbody>
                  {apps.map((a) => (
                    <Table.Tr key={a.key} data-testid="app-total">
                      <Table.Td>
                        <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 2, marginRight: 6, background: `var(--mantine-color-${a.color.replace('.', '-')})` }} />
                        <span style={{ overflowWrap: 'anywhere' }}>{a.label}</span>
                      </Table.Td>
                      <Table.Td ta="right">{count(a.total)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Grid.Col>
          </Grid>
        )}
      </ChartCard>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <ChartCard title="Failed client authentications and reuse detections" description={`Wrong or unknown client credentials, and refresh tokens used twice (the family is revoked), ${per}.`} testId="chart-security">
          <BarChart
            h={H}
            data={rows}
            dataKey="at"
            series={[
              { name: 'failures', label: 'Failed client authentications', color: 'orange.6' },
              { name: 'reuse', label: 'Refresh-token reuse detections', color: 'red.7' },
            ]}
            withLegend
            valueFormatter={count}
            {...axis}
          />
        </ChartCard>
        <ChartCard title="Webhook failure rate" description={`Failed delivery attempts out of all attempts, ${per} (no point when nothing was sent).`} testId="chart-webhooks">
          <LineChart
            h={H}
            data={rows}
            dataKey="at"
            series={[{ name: 'rate', label: 'Failed attempts', color: 'red.6' }]}
            valueFormatter={percent}
            yAxisProps={{ width: 48, domain: [0, 100] }}
            xAxisProps={{ minTickGap: 24 }}
            unit=" %"
            connectNulls={false}
            curveType="linear"
          />
        </ChartCard>
      </SimpleGrid>
    </Stack>
  );
}

function NoData() {
  return (
    <Text c="dimmed" fz="sm" py="xl" ta="center">
      No tokens issued in this range.
    </Text>
  );
}
