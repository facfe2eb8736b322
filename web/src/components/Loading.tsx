import { Group, Loader } from '@mantine/core';

/** A list or page on its way. */
export function Loading() {
  return (
    <Group justify="center" py="xl">
      <Loader aria-label="Loading" />
    </Group>
  );
}
