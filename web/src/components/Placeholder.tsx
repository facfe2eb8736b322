import { Paper, Text } from '@mantine/core';
import { PageHeader, type Crumb } from './PageHeader';

/** A page still to be built: its place in the navigation, and a word about what will be there. */
export function Placeholder({ title, crumbs = [], about }: { title: string; crumbs?: Crumb[]; about: string }) {
  return (
    <>
      <PageHeader title={title} crumbs={crumbs} />
      <Paper withBorder p="xl" radius="md">
        <Text>{about}</Text>
        <Text c="dimmed" fz="sm" mt="xs">
          This page is not built yet.
        </Text>
      </Paper>
    </>
  );
}
