import { Button, Center, Text } from '@mantine/core';

/** The next page of a cursor-paginated list. */
export function LoadMore({ hasMore, loading, onLoad, shown, noun }: { hasMore: boolean; loading: boolean; onLoad: () => void; shown: number; noun: string }) {
  return (
    <Center mt="md">
      {hasMore ? (
        <Button variant="default" loading={loading} onClick={onLoad}>
          Load more {noun}
        </Button>
      ) : (
        <Text c="dimmed" fz="sm">
          {shown === 0 ? '' : `All ${shown} ${shown === 1 ? noun.replace(/s$/, '') : noun} shown`}
        </Text>
      )}
    </Center>
  );
}
