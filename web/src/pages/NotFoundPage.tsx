import { Anchor, Paper, Text } from '@mantine/core';
import { Link } from 'react-router';
import { PageHeader } from '../components/PageHeader';

export default function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Paper withBorder p="xl" radius="md">
        <Text>
          There is no such page in the console.{' '}
          <Anchor component={Link} to="/applications">
            Go to Token Applications
          </Anchor>
          .
        </Text>
      </Paper>
    </>
  );
}
