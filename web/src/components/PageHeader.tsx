import { useEffect, type ReactNode } from 'react';
import { Anchor, Breadcrumbs, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export interface Crumb {
  label: string;
  to?: string;
}

/** A page's title with its breadcrumbs, and its actions at the top right (below the title on a phone). */
export function PageHeader({ title, crumbs = [], description, actions }: { title: ReactNode; crumbs?: Crumb[]; description?: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    if (typeof title === 'string') document.title = `${title} · Grantry console`;
  }, [title]);
  return (
    <Group justify="space-between" align="flex-end" gap="sm" mb="lg" wrap="wrap">
      <Stack gap={4} style={{ minWidth: 0, flex: '1 1 16rem' }}>
        {crumbs.length > 0 && (
          <Breadcrumbs separator="›" fz="sm">
            {crumbs.map((c) =>
              c.to ? (
                <Anchor key={c.label} component={Link} to={c.to} fz="sm">
                  {c.label}
                </Anchor>
              ) : (
                <Text key={c.label} fz="sm" c="dimmed">
                  {c.label}
                </Text>
              ),
            )}
          </Breadcrumbs>
        )}
        <Title order={1} fz={{ base: 24, sm: 28 }} style={{ overflowWrap: 'anywhere' }}>
          {title}
        </Title>
        {description && (
          <Text c="dimmed" fz="sm">
            {description}
          </Text>
        )}
      </Stack>
      {actions && <Group gap="xs">{actions}</Group>}
    </Group>
  );
}
