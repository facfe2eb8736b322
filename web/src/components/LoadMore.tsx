import { Button, Center, Text } from '@mantine/core';

/** The next page of a cursor-paginated list. `noun` is plural; `one` the singular when it is not `noun` without its s. */
export function LoadMore({ hasMore, loading, onLoad, shown, noun, one }: { hasMore: boolean; loading: boolean; onLoad: () => void; shown: number; noun: string; one?: string }) {
  const singular = one ?? noun.replace(/ies$/, 'y').replace(/s$/, '');
  return (
    <Center mt="md">
      {hasMore ? (
        <Button variant="default" loading={loading} onClick={onLoad}>
          Load more {noun}
        </Button>
      ) : (
        <Text c="dimmed" fz="sm">
          {shown === 0 ? '' : shown === 1 ? `1 ${singular} shown` : `All ${shown} ${noun} shown`}
        </Text>
      )}
    </Center>
  );
}
