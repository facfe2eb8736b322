import { Alert, Badge, Button, Checkbox, Group, Loader, NumberInput, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { ApiError, messageOf, type Subscription } from '../api/client';
import { ErrorAlert } from './ErrorAlert';
import { eventChoices, firstSentence, useWebhookEventTypes } from './webhooks';

/** The most messages per second an endpoint's rate limit may name (the API's limit). */
export const MAX_RATE_LIMIT = 1000;
const MAX_DESCRIPTION = 500;

export interface EndpointValues {
  url: string;
  description: string;
  events: string[];
  /** Messages per second; '' = no limit. */
  rateLimit: number | string;
  enabled: boolean;
}

/** The body fields of an endpoint (POST and PATCH) for the form's values. */
export interface EndpointBody {
  url?: string;
  description?: string | null;
  events?: string[];
  rate_limit?: number | null;
  enabled?: boolean;
}

export function urlProblem(value: string): string | null {
  const v = value.trim();
  if (!v) return 'Enter the URL Grantry should send events to';
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return 'Enter an absolute URL, like https://partner.example/hooks';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The URL must use https';
  if (url.username || url.password) return 'The URL must not contain a user name or password';
  return null;
}

const rateLimitOf = (v: number | string): number | null => (v === '' || v === null ? null : Number(v));

/** Only what changed (an edit), or every field (a new endpoint). */
export function endpointBody(v: EndpointValues, before?: Subscription): EndpointBody {
  const body: EndpointBody = {};
  const url = v.url.trim();
  const description = v.description.trim() === '' ? null : v.description.trim();
  const rate = rateLimitOf(v.rateLimit);
  if (!before || url !== before.url) body.url = url;
  if (!before ? description !== null : description !== before.description) body.description = description;
  if (!before || JSON.stringify([...v.events].sort()) !== JSON.stringify([...before.events].sort())) body.events = v.events;
  if (!before ? rate !== null : rate !== before.rate_limit) body.rate_limit = rate;
  if (before && v.enabled !== before.enabled) body.enabled = v.enabled;
  return body;
}

const capitalize = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

/**
 * URL, description, events (from the event catalogue: its subscribable types), rate limit, and for
 * an existing endpoint whether it is enabled. Checks the fields before sending; a 400's per-field
 * messages are shown beside their fields.
 */
export function WebhookEndpointForm({
  endpoint,
  submitLabel = 'Save',
  onSubmit,
  onCancel,
}: {
  endpoint?: Subscription;
  submitLabel?: string;
  onSubmit: (body: EndpointBody) => Promise<unknown>;
  onCancel: () => void;
}) {
  const catalogue = useWebhookEventTypes();
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const form = useForm<EndpointValues>({
    mode: 'controlled',
    initialValues: endpoint
      ? { url: endpoint.url, description: endpoint.description ?? '', events: endpoint.events, rateLimit: endpoint.rate_limit ?? '', enabled: endpoint.enabled }
      : { url: '', description: '', events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE'], rateLimit: '', enabled: true },
    validate: {
      url: urlProblem,
      events: (v) => (v.length === 0 ? 'Pick at least one event' : null),
      description: (v) => (v.trim().length > MAX_DESCRIPTION ? `At most ${MAX_DESCRIPTION} characters` : null),
      rateLimit: (v) => {
        const n = rateLimitOf(v);
        return n === null || (Number.isInteger(n) && n >= 1 && n <= MAX_RATE_LIMIT) ? null : `A whole number from 1 to ${MAX_RATE_LIMIT}, or empty for no limit`;
      },
    },
  });
  const choices = catalogue.data ? eventChoices(catalogue.data.items, endpoint?.events) : [];
  const reenabling = endpoint !== undefined && !endpoint.enabled && form.values.enabled;

  const submit = form.onSubmit(async (v) => {
    setFailure(null);
    const body = endpointBody(v, endpoint);
    if (endpoint && Object.keys(body).length === 0) {
      onCancel();
      return;
    }
    setPending(true);
    try {
      await onSubmit(body);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors : {};
      const known: [string, keyof EndpointValues][] = [
        ['url', 'url'],
        ['events', 'events'],
        ['description', 'description'],
        ['rate_limit', 'rateLimit'],
        ['enabled', 'enabled'],
      ];
      let shown = false;
      for (const [field, name] of known) {
        if (fields[field]) {
          form.setFieldError(name, capitalize(fields[field]));
          shown = true;
        }
      }
      if (!shown) setFailure(messageOf(err));
    } finally {
      setPending(false);
    }
  });

  return (
    <form noValidate onSubmit={submit}>
      <Stack gap="md">
        <TextInput label="URL" placeholder="https://partner.example/grantry/hooks" withAsterisk data-autofocus {...form.getInputProps('url')} />
        <Textarea label="Description" description="For people: what this endpoint is (optional)." autosize minRows={1} maxRows={4} {...form.getInputProps('description')} />
        {catalogue.isError ? (
          <ErrorAlert error={catalogue.error} title="The event catalogue could not be loaded" onRetry={() => void catalogue.refetch()} />
        ) : catalogue.isLoading ? (
          <Loader size="sm" aria-label="Loading the event catalogue" />
        ) : (
          <Checkbox.Group label="Events" withAsterisk {...form.getInputProps('events')}>
            <Stack gap="xs" mt={6}>
              {choices.map((e) => (
                <Checkbox
                  key={e.type}
                  value={e.type}
                  label={
                    <Group gap={6} component="span">
                      <span>{e.type}</span>
                      {e.carries_credentials && (
                        <Badge size="xs" variant="light" color="grape" component="span">
                          credentials
                        </Badge>
                      )}
                    </Group>
                  }
                  aria-label={e.type}
                  description={<span title={e.description}>{firstSentence(e.description)}</span>}
                />
              ))}
            </Stack>
          </Checkbox.Group>
        )}
        <NumberInput
          label="Rate limit"
          description="Messages per second at most, across every Grantry server. Empty: no limit."
          placeholder="No limit"
          min={1}
          max={MAX_RATE_LIMIT}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          rightSection={<Text fz="xs" c="dimmed" pr="xs">/ s</Text>}
          rightSectionWidth={40}
          {...form.getInputProps('rateLimit')}
        />
        {endpoint && (
          <Switch
            label="Enabled"
            description={
              reenabling
                ? 'Saving re-enables the endpoint: its held deliveries are released and sent at once.'
                : endpoint.enabled
                  ? 'Off holds new deliveries (nothing is dropped) until it is enabled again.'
                  : 'The endpoint is disabled: its deliveries are held.'
            }
            {...form.getInputProps('enabled', { type: 'checkbox' })}
          />
        )}
        {endpoint && (form.values.url.trim() !== endpoint.url || JSON.stringify([...form.values.events].sort()) !== JSON.stringify([...endpoint.events].sort())) && (
          <Text fz="xs" c="dimmed">
            Pending deliveries go to the new URL at their next attempt. Events no longer listed stop being created; deliveries already created finish.
          </Text>
        )}
        {failure && (
          <Alert color="red" title="Not saved" role="alert">
            {failure}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending} disabled={!catalogue.data}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
