import { ActionIcon, Alert, Code, CopyButton, Group, Stack, Text, Tooltip } from '@mantine/core';
import { CheckIcon, CopyIcon } from './icons';

/** A value to copy, in a monospace box, with a copy button. */
export function CopyValue({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={4}>
      <Text fw={600} fz="sm">
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="center">
        <Code block data-testid={testId} style={{ flex: 1, minWidth: 0, overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
          {value}
        </Code>
        <CopyButton value={value} timeout={2000}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : `Copy ${label.toLowerCase()}`} withArrow>
              <ActionIcon variant={copied ? 'filled' : 'light'} color={copied ? 'teal' : 'blue'} onClick={copy} aria-label={`Copy ${label.toLowerCase()}`} size="lg">
                {copied ? <CheckIcon /> : <CopyIcon />}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

/** The warning that goes with a secret shown once. */
export function ShownOnceWarning({ what = 'secret', remedy }: { what?: string; remedy?: string }) {
  return (
    <Alert color="yellow" title={`Copy the ${what} now`} role="status">
      This is the only time Grantry shows it{remedy ? `. ${remedy}` : `: it is stored only as a hash. If it is lost, add a new ${what} and revoke the old one.`}
    </Alert>
  );
}
