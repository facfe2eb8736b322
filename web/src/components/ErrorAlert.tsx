import { Alert, Button } from '@mantine/core';
import { messageOf } from '../api/client';

/** An API error in words, with a way to try again when there is one. */
export function ErrorAlert({ error, title = 'Something went wrong', onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  return (
    <Alert color="red" title={title} role="alert" my="sm">
      {messageOf(error)}
      {onRetry && (
        <Button variant="subtle" color="red" size="compact-sm" ml="xs" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Alert>
  );
}
