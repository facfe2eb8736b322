import { Alert, Badge, Button, Group, Modal, Paper, Radio, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../api/client';
import { formatDate } from '../format';
import type { SigningAlg, SigningKey } from '../components/apiTypes';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { PLATFORM_CRUMBS, PlatformOnly } from '../components/PlatformOnly';

const keysKey = ['signing-keys'] as const;

const ALGS: { value: SigningAlg; label: string; hint: string }[] = [
  { value: 'RS256', label: 'RS256 (RSA 2048, SHA-256)', hint: 'Understood by every JWT library; larger tokens, slower to sign.' },
  { value: 'ES256', label: 'ES256 (ECDSA P-256, SHA-256)', hint: 'Small tokens, fast; supported by current libraries.' },
  { value: 'EdDSA', label: 'EdDSA (Ed25519)', hint: 'Smallest and fastest; check that every resource server supports it.' },
];

/** A key's state, as a person says it: the key that signs, the next one, retired ones still published, gone. */
function stateOf(k: SigningKey, now: number): { label: string; color: string; meaning: string } {
  if (k.state === 'active') return { label: 'Active', color: 'green', meaning: k.retired_at && k.retired_at > now ? `Signs every new token until ${formatDate(k.retired_at)}.` : 'Signs every new token.' };
  if (k.state === 'pending') return { label: 'Next', color: 'blue', meaning: `Published now; signs from ${formatDate(k.activates_at)}.` };
  if (k.removed_at !== null && k.removed_at <= now) return { label: 'Removed', color: 'gray', meaning: 'No longer published: tokens it signed no longer verify.' };
  return { label: 'Retired', color: 'yellow', meaning: k.removed_at ? `Still published, for tokens it signed, until ${formatDate(k.removed_at)}.` : 'Still published, for tokens it signed.' };
}

/** Signing keys: each key's kid, algorithm, state and dates; Rotate with a choice of algorithm. */
export default function SigningKeysPage() {
  return (
    <PlatformOnly title="Signing keys">
      <Keys />
    </PlatformOnly>
  );
}

function Keys() {
  const keys = useQuery({ queryKey: keysKey, queryFn: () => data(api.GET('/api/v1/keys')) });
  const [rotating, setRotating] = useState(false);
  const items = [...(keys.data?.items ?? [])].sort((a, b) => b.activates_at - a.activates_at || b.created_at - a.created_at);
  const active = items.find((k) => k.state === 'active');
  const now = Date.now();
  return (
    <>
      <PageHeader
        title="Signing keys"
        crumbs={[...PLATFORM_CRUMBS, { label: 'Signing keys' }]}
        description="The keys that sign access tokens, published at /.well-known/jwks.json. A rotation publishes the new key before it signs, and keeps the old one published while its tokens are alive."
        actions={
          <Button onClick={() => setRotating(true)} disabled={!keys.data}>
            Rotate
          </Button>
        }
      />
      {keys.isError ? (
        <ErrorAlert error={keys.error} title="The signing keys could not be loaded" onRetry={() => void keys.refetch()} />
      ) : keys.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title="No signing keys">Grantry creates one at start; reload in a moment.</EmptyState>
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={820} type="native">
            <Table verticalSpacing="sm" striped aria-label="Signing keys">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th style={{ whiteSpace: 'nowrap' }}>Key id (kid)</Table.Th>
                  <Table.Th>Algorithm</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Signs from</Table.Th>
                  <Table.Th>Stops signing</Table.Th>
                  <Table.Th>Unpublished from</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((k) => {
                  const s = stateOf(k, now);
                  return (
                    <Table.Tr key={k.kid} data-testid="key-row" data-state={k.state} data-alg={k.alg}>
                      <Table.Td>
                        <Text ff="monospace" fz="sm" style={{ whiteSpace: 'nowrap' }}>
                          {k.kid}
                        </Text>
                      </Table.Td>
                      <Table.Td>{k.alg}</Table.Td>
                      <Table.Td>
                        <Stack gap={2}>
                          <Badge color={s.color} variant="light" data-testid="key-state">
                            {s.label}
                          </Badge>
                          <Text fz="xs" c="dimmed">
                            {s.meaning}
                          </Text>
                        </Stack>
                      </Table.Td>
                      <Table.Td>{formatDate(k.created_at)}</Table.Td>
                      <Table.Td>{formatDate(k.activates_at)}</Table.Td>
                      <Table.Td>{formatDate(k.retired_at)}</Table.Td>
                      <Table.Td>{formatDate(k.removed_at)}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {rotating && <RotateModal current={active} onClose={() => setRotating(false)} />}
    </>
  );
}

function RotateModal({ current, onClose }: { current: SigningKey | undefined; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [alg, setAlg] = useState<SigningAlg>((current?.alg as SigningAlg | undefined) ?? 'ES256');
  const rotate = useMutation({
    mutationFn: () => data(api.POST('/api/v1/keys/rotate', { body: { alg } })),
    onSuccess: async (k) => {
      notifications.show({
        color: 'green',
        title: 'Signing key rotated',
        message: k.activates_at <= Date.now() ? `${k.kid} (${k.alg}) signs new tokens now.` : `${k.kid} (${k.alg}) is published and signs from ${formatDate(k.activates_at)}.`,
      });
      await queryClient.invalidateQueries({ queryKey: keysKey });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title="Rotate the signing key?" centered size="lg">
      <Stack gap="md">
        <Text fz="sm">
          A new key is created and published. Once it is active it signs every new token; {current ? <b>{current.kid}</b> : 'the current key'} is retired but stays published until the
          tokens it signed have expired. Resource servers that cache the key set must pick up the new key.
        </Text>
        <Radio.Group label="Algorithm of the new key" value={alg} onChange={(v) => setAlg(v as SigningAlg)}>
          <Stack gap="xs" mt="xs">
            {ALGS.map((a) => (
              <Radio key={a.value} value={a.value} label={a.label} description={a.hint} />
            ))}
          </Stack>
        </Radio.Group>
        {current && alg !== current.alg && (
          <Alert color="yellow" p="xs">
            The algorithm changes from {current.alg} to {alg}: resource servers that only accept {current.alg} will refuse the new tokens.
          </Alert>
        )}
        {rotate.isError && <ErrorAlert error={rotate.error} title="Not rotated" />}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={rotate.isPending} onClick={() => rotate.mutate()}>
            Rotate key
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
