import { Alert, Anchor, Badge, Button, Group, Loader, Modal, Radio, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, data, messageOf, type Delivery, type Subscription } from '../api/client';
import { formatDate, formatDateSeconds } from '../format';
import type { Recovered, RotatedEndpoint } from './apiTypes';
import { Countdown } from './Countdown';
import { CopyValue } from './SecretOnce';
import { deliveryLogPath, endpointState, fromLocalInput, toLocalInput, useEndpointRefresh } from './webhooks';

const path = (appId: string, s: Subscription) => ({ params: { path: { id: appId, webhook_id: s.id } } });

/**
 * Why an endpoint is failing or disabled, and (disabled) Re-enable, which releases its held
 * deliveries. Nothing for a healthy endpoint.
 */
export function EndpointStateAlert({ appId, endpoint: s }: { appId: string; endpoint: Subscription }) {
  const refresh = useEndpointRefresh();
  const enable = useMutation({
    mutationFn: () => data(api.PATCH('/api/v1/applications/{id}/webhooks/{webhook_id}', { ...path(appId, s), body: { enabled: true } })),
    onSuccess: async (r) => {
      const n = r.released_deliveries;
      notifications.show({ color: 'green', title: 'Endpoint re-enabled', message: n === 0 ? 'No deliveries were held.' : `${n} held ${n === 1 ? 'delivery was' : 'deliveries were'} released and will be sent now.` });
      await refresh(appId, s.id);
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Not re-enabled', message: messageOf(err) }),
  });
  const state = endpointState(s);
  if (state.state === 'enabled') return null;
  if (state.state === 'failing') {
    return (
      <Alert color="orange" title={`Failing since ${formatDate(s.failing_since)}`} data-testid="endpoint-state" data-state="failing" p="sm">
        <Text fz="sm">
          Every attempt since then has failed. Deliveries keep being retried; if the endpoint keeps failing, Grantry disables it and holds its deliveries until someone re-enables it.
        </Text>
      </Alert>
    );
  }
  const title =
    s.disabled_reason === 'gone'
      ? `Disabled ${formatDate(s.disabled_at)}: the receiver answered 410 Gone`
      : s.disabled_reason === 'failing'
        ? `Disabled ${formatDate(s.disabled_at)}: failing since ${formatDate(s.failing_since)}`
        : `Disabled by a person ${formatDate(s.disabled_at)}`;
  return (
    <Alert color={s.disabled_reason === 'admin' ? 'gray' : 'red'} title={title} data-testid="endpoint-state" data-state="disabled" data-reason={s.disabled_reason ?? ''} p="sm">
      <Stack gap="xs" align="flex-start">
        <Text fz="sm">
          {s.disabled_reason === 'failing'
            ? 'Every attempt failed for too long, so Grantry stopped sending. '
            : s.disabled_reason === 'gone'
              ? 'A 410 answer says the endpoint is gone for good, so Grantry stopped sending. '
              : ''}
          New deliveries are held, not dropped. Re-enabling releases the held deliveries: they are sent at once.
        </Text>
        <Button size="xs" onClick={() => enable.mutate()} loading={enable.isPending}>
          Re-enable and release held deliveries
        </Button>
      </Stack>
    </Alert>
  );
}

/** The live signing secrets of an endpoint: the current one, and a previous one until its overlap ends. */
export function SigningSecrets({ endpoint: s }: { endpoint: Subscription }) {
  const now = Date.now();
  const live = s.secrets.filter((k) => k.expires_at === null || k.expires_at > now).sort((a, b) => b.created_at - a.created_at);
  if (live.length === 0) return <Text fz="sm">None live: rotate to get a new one.</Text>;
  return (
    <Stack gap={2} data-testid="signing-secrets">
      {live.map((k) => (
        <Text fz="sm" key={k.id} data-testid="signing-secret" data-current={k.expires_at === null}>
          {k.expires_at === null ? (
            <>
              <Badge size="xs" variant="light" color="green" mr={6}>
                Current
              </Badge>
              since {formatDate(k.created_at)}
            </>
          ) : (
            <>
              <Badge size="xs" variant="light" color="yellow" mr={6}>
                Previous
              </Badge>
              signs until {formatDate(k.expires_at)} (<Countdown to={k.expires_at} />)
            </>
          )}
        </Text>
      ))}
      {live.length > 1 && (
        <Text fz="xs" c="dimmed">
          Every delivery carries a signature per live secret until the previous one expires.
        </Text>
      )}
    </Stack>
  );
}

const OVERLAPS = [
  { value: '0', label: 'Immediately', hint: 'The previous secret stops signing now: for a leaked secret. Receivers not yet updated reject deliveries.' },
  { value: '3600', label: 'In 1 hour' },
  { value: '86400', label: 'In 24 hours', hint: 'Default: time to deploy the new secret to every receiver.' },
  { value: '604800', label: 'In 7 days' },
];

/** Rotate signing secret: pick the overlap, then the new secret once and when the previous one stops. */
export function RotateSecretModal({ appId, endpoint: s, opened, onClose }: { appId: string; endpoint: Subscription; opened: boolean; onClose: () => void }) {
  const refresh = useEndpointRefresh();
  const [overlap, setOverlap] = useState('86400');
  const [rotated, setRotated] = useState<RotatedEndpoint | null>(null);
  const rotate = useMutation({
    mutationFn: () => data(api.POST('/api/v1/applications/{id}/webhooks/{webhook_id}/secret/rotate', { ...path(appId, s), body: { previous_expires_in: Number(overlap) } })),
    onSuccess: async (r) => {
      setRotated(r);
      await refresh(appId, s.id);
    },
  });
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        setRotated(null);
        setOverlap('86400');
        rotate.reset();
      }}
      title={rotated ? 'New signing secret' : 'Rotate the signing secret'}
      closeOnClickOutside={!rotated}
      size="lg"
      centered
    >
      {rotated ? (
        <Stack gap="md">
          <Text fz="sm">
            Deliveries to <b style={{ overflowWrap: 'anywhere' }}>{rotated.url}</b> are now signed with this secret.
          </Text>
          <CopyValue label="Signing secret" value={rotated.secret} testId="rotated-webhook-secret" />
          <Alert color={rotated.previous_secret_expires_at === null ? 'orange' : 'blue'} title="The previous secret" data-testid="overlap-end" p="sm">
            {rotated.previous_secret_expires_at === null ? (
              'Stopped signing at once: receivers verify with the new secret only.'
            ) : (
              <>
                Keeps signing until <b>{formatDateSeconds(rotated.previous_secret_expires_at)}</b> (<Countdown to={rotated.previous_secret_expires_at} />): until then every delivery carries both
                signatures, so receivers verifying with either secret accept it. Then it is erased.
              </>
            )}
          </Alert>
          <Alert color="yellow" title="Copy the signing secret now" role="status" p="sm">
            This is the only time Grantry shows it. If it is lost, rotate again.
          </Alert>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied the secret</Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="md">
          <Text fz="sm">A new secret signs every delivery from now on. When should the previous secret stop signing?</Text>
          <Radio.Group value={overlap} onChange={setOverlap} aria-label="When the previous secret stops signing">
            <Stack gap="xs">
              {OVERLAPS.map((c) => (
                <Radio key={c.value} value={c.value} label={c.label} description={c.hint} />
              ))}
            </Stack>
          </Radio.Group>
          {rotate.isError && (
            <Alert color="red" role="alert">
              {messageOf(rotate.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button color={overlap === '0' ? 'red' : undefined} loading={rotate.isPending} onClick={() => rotate.mutate()}>
              Rotate signing secret
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

const DELIVERY_STATUS: Record<string, { label: string; color: string }> = {
  pending: { label: 'Pending', color: 'blue' },
  succeeded: { label: 'Delivered', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
  held: { label: 'Held', color: 'orange' },
  cancelled: { label: 'Cancelled', color: 'gray' },
  superseded: { label: 'Superseded', color: 'gray' },
};

/** Send test event: a signed WEBHOOK.TEST through the normal delivery path, followed until it ends. */
export function TestEventModal({ appId, endpoint: s, opened, onClose }: { appId: string; endpoint: Subscription; opened: boolean; onClose: () => void }) {
  const refresh = useEndpointRefresh();
  const send = useMutation({
    mutationFn: () => data(api.POST('/api/v1/applications/{id}/webhooks/{webhook_id}/test', path(appId, s))),
    onSuccess: () => refresh(appId, s.id),
  });
  const sent = send.data;
  // The delivery as it goes: pending until the receiver answers (or its attempts run out).
  const delivery = useQuery({
    queryKey: ['delivery', sent?.id],
    enabled: !!sent,
    queryFn: () => data(api.GET('/api/v1/webhook-deliveries/{id}', { params: { path: { id: sent!.id } } })),
    initialData: sent,
    refetchInterval: (q) => (q.state.data?.status === 'pending' ? 1000 : false),
  });
  const d: Delivery | undefined = delivery.data ?? sent;
  const status = d ? (DELIVERY_STATUS[d.status] ?? { label: d.status, color: 'gray' }) : null;
  const last = d?.attempts.at(-1);
  return (
    <Modal opened={opened} onClose={onClose} onExitTransitionEnd={() => send.reset()} title="Send a test event" size="lg" centered>
      <Stack gap="md">
        {!sent && !send.isError && (
          <>
            <Text fz="sm">
              Grantry sends a signed <b>WEBHOOK.TEST</b> message to <b style={{ overflowWrap: 'anywhere' }}>{s.url}</b> through the normal delivery path (signatures, retries, delivery log), whatever
              events the endpoint lists. It carries no credentials: your receiver should answer 2xx and store nothing.
            </Text>
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button onClick={() => send.mutate()} loading={send.isPending}>
                Send test event
              </Button>
            </Group>
          </>
        )}
        {send.isError && (
          <>
            <Alert color="red" title="Not sent" role="alert">
              {messageOf(send.error)}
            </Alert>
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
            </Group>
          </>
        )}
        {d && status && (
          <>
            <Stack gap={4} data-testid="test-delivery" data-status={d.status} data-delivery-id={d.id}>
              <Group gap="xs">
                <Text fw={600}>{d.event_type}</Text>
                <Badge color={status.color} variant="light">
                  {status.label}
                </Badge>
                {d.status === 'pending' && <Loader size="xs" aria-label="Waiting for the receiver" />}
              </Group>
              <Text fz="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                Created {formatDateSeconds(d.created_at)} · message {d.message_id}
              </Text>
              <Text fz="sm">
                {d.status === 'succeeded'
                  ? `Your receiver answered ${last?.status_code ?? d.last_status_code ?? '2xx'}: it accepted the test event.`
                  : d.status === 'pending'
                    ? d.attempt_count === 0
                      ? 'Queued: the first attempt starts in a moment.'
                      : `Attempt ${d.attempt_count} failed${d.last_status_code !== null ? ` (${d.last_status_code})` : d.last_error ? ` (${d.last_error})` : ''}; it is retried like any delivery.`
                    : d.status === 'held'
                      ? 'Held: the endpoint was disabled.'
                      : `Ended: ${status.label.toLowerCase()}.`}
              </Text>
            </Stack>
            <Group justify="space-between" gap="xs">
              <Anchor component={Link} to={deliveryLogPath(appId, s.id, d.id)} fz="sm" onClick={onClose}>
                Open it in the delivery log
              </Anchor>
              <Button onClick={onClose}>Done</Button>
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}

const WEEK = 7 * 86_400_000;
const HOUR = 3_600_000;

/**
 * Since when to recover by default: an hour before the endpoint began failing (a delivery is created a
 * moment before its first attempt, the one that set failing_since), or 7 days ago.
 */
const defaultSince = (s: Subscription): number => (s.failing_since !== null ? s.failing_since - HOUR : Date.now() - WEEK);

/**
 * Recover after an outage: fresh credentials (one INSTALLATION.UPDATE each) for every installation
 * whose credentials delivery to this endpoint failed in a period. Pick since (and until), confirm,
 * then how many were queued.
 */
export function RecoverModal({ appId, endpoint: s, opened, onClose }: { appId: string; endpoint: Subscription; opened: boolean; onClose: () => void }) {
  const refresh = useEndpointRefresh();
  const initialSince = () => toLocalInput(defaultSince(s));
  const [since, setSince] = useState(initialSince);
  const [until, setUntil] = useState('');
  const [errors, setErrors] = useState<{ since?: string; until?: string }>({});
  const [step, setStep] = useState<'pick' | 'confirm'>('pick');
  const [result, setResult] = useState<Recovered | null>(null);
  const recover = useMutation({
    mutationFn: (body: { since: string; until?: string }) => data(api.POST('/api/v1/applications/{id}/webhooks/{webhook_id}/recover', { ...path(appId, s), body })),
    onSuccess: async (r) => {
      setResult(r);
      await refresh(appId, s.id);
    },
    onError: (err) => {
      const fields = err instanceof ApiError ? err.fieldErrors : {};
      if (fields.since || fields.until) {
        setErrors({ ...(fields.since ? { since: fields.since } : {}), ...(fields.until ? { until: fields.until } : {}) });
        setStep('pick');
      }
    },
  });
  // Each time it opens: the endpoint's state then (failing_since may have changed since it was first shown).
  useEffect(() => {
    if (opened) setSince(toLocalInput(defaultSince(s)));
  }, [opened, s.failing_since]);
  const sinceMs = fromLocalInput(since);
  const untilMs = fromLocalInput(until);

  const check = () => {
    const e: { since?: string; until?: string } = {};
    const now = Date.now();
    if (sinceMs === null) e.since = 'Enter when the outage began';
    else if (sinceMs >= (untilMs ?? now)) e.since = untilMs === null ? 'Must be in the past' : 'Must be before until';
    if (until.trim() && untilMs === null) e.until = 'Enter a date and time, or leave empty for now';
    setErrors(e);
    if (Object.keys(e).length === 0) setStep('confirm');
  };
  const reset = () => {
    setSince(initialSince());
    setUntil('');
    setErrors({});
    setStep('pick');
    setResult(null);
    recover.reset();
  };

  return (
    <Modal opened={opened} onClose={onClose} onExitTransitionEnd={reset} title={result ? 'Recovery queued' : 'Recover after an outage'} size="lg" centered>
      {result ? (
        <Stack gap="md">
          <Alert color={result.queued > 0 ? 'green' : 'gray'} title={`${result.queued} ${result.queued === 1 ? 'installation' : 'installations'} queued`} data-testid="recovered" data-queued={result.queued}>
            {result.queued > 0
              ? `Each gets fresh credentials in one INSTALLATION.UPDATE, in the delivery log from now on.`
              : 'No installation needed new credentials in that period.'}
            {result.skipped > 0 &&
              ` ${result.skipped} ${result.skipped === 1 ? 'installation was' : 'installations were'} skipped: uninstalled, or credentials since delivered, on their way or in use.`}
          </Alert>
          <Group justify="space-between">
            <Anchor component={Link} to={deliveryLogPath(appId, s.id)} fz="sm" onClick={onClose}>
              Open the delivery log
            </Anchor>
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : step === 'pick' ? (
        <Stack gap="md">
          <Text fz="sm">
            Every installation whose credentials delivery to this endpoint failed (all its attempts spent) in this period gets fresh credentials, as one INSTALLATION.UPDATE each. The expired
            messages are not re-sent, and credentials that were ever delivered are not changed.
          </Text>
          <TextInput
            type="datetime-local"
            label="Since"
            description={
              s.failing_since !== null
                ? `The endpoint has been failing since ${formatDate(s.failing_since)}; the default starts an hour earlier, to include the deliveries that first met the outage.`
                : 'Default: 7 days ago.'
            }
            value={since}
            onChange={(e) => setSince(e.currentTarget.value)}
            error={errors.since}
            withAsterisk
          />
          <TextInput type="datetime-local" label="Until" description="Empty: until now." value={until} onChange={(e) => setUntil(e.currentTarget.value)} error={errors.until} />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={check}>Continue</Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="md">
          <Text fz="sm" data-testid="recover-confirm">
            Recover the installations whose credentials delivery to <b style={{ overflowWrap: 'anywhere' }}>{s.url}</b> failed between <b>{formatDate(sinceMs)}</b> and{' '}
            <b>{untilMs === null ? 'now' : formatDate(untilMs)}</b>? Each gets new credentials in a new INSTALLATION.UPDATE; no credentials that were delivered are changed.
          </Text>
          {recover.isError && (
            <Alert color="red" title="Not recovered" role="alert">
              {messageOf(recover.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setStep('pick')}>
              Back
            </Button>
            <Button loading={recover.isPending} onClick={() => recover.mutate({ since: new Date(sinceMs!).toISOString(), ...(untilMs !== null ? { until: new Date(untilMs).toISOString() } : {}) })}>
              Recover installations
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
