import { Alert, Button, Fieldset, Group, SegmentedControl, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { ApiError, messageOf, type Application } from '../api/client';
import { ScopePicker } from './ScopePicker';
import { DurationInput } from './DurationInput';

/** Token Applications (seed 001: name and scopes) or partner apps (with redirect URIs and the refresh policy). */
export type AppKind = 'token' | 'partner';

export interface ApplicationFormValues {
  name: string;
  scopes: string[];
  /** One per line. */
  redirect_uris: string;
  refresh_policy: 'rotate' | 'reuse';
  access_token_ttl: number | null;
  refresh_token_ttl: number | null;
  refresh_family_max_age: number | null;
  refresh_grace_period: number | null;
}

/**
 * What the management API takes (CreateApplication / UpdateApplication) from the form. A lifetime left
 * empty is the server's default: omitted when registering or when it was already the default, null
 * only to clear a value the application had.
 */
export function applicationBody(kind: AppKind, v: ApplicationFormValues, original: Application | null = null) {
  const common = { name: v.name.trim(), scopes: v.scopes };
  if (kind === 'token') return common;
  const seconds = (field: 'access_token_ttl' | 'refresh_token_ttl' | 'refresh_family_max_age' | 'refresh_grace_period', value: number | null) =>
    value !== null || (original !== null && original[field] !== null) ? { [field]: value } : {};
  return {
    ...common,
    redirect_uris: splitLines(v.redirect_uris),
    refresh_policy: v.refresh_policy,
    ...seconds('access_token_ttl', v.access_token_ttl),
    ...seconds('refresh_token_ttl', v.refresh_token_ttl),
    ...seconds('refresh_family_max_age', v.refresh_family_max_age),
    // A grace period only applies to rotation.
    ...seconds('refresh_grace_period', v.refresh_policy === 'rotate' ? v.refresh_grace_period : null),
  };
}

const splitLines = (text: string): string[] =>
  text
    .split(/[\n\r]+/)
    .map((s) => s.trim())
    .filter(Boolean);

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The server's rules for redirect URIs (RFC 9700 §4.1.1, RFC 8252 §7), checked before sending. */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `“${uri}” is not an absolute URL (like https://app.example/callback)`;
  }
  if (url.hash) return `“${uri}” must not contain a fragment (#…)`;
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) return `“${uri}” must use https (http only on localhost or 127.0.0.1)`;
  if (url.protocol === 'javascript:' || url.protocol === 'data:') return `“${uri}” uses a forbidden scheme`;
  return null;
}

const YEAR = 366 * 86400;

function range(seconds: number | null, min: number, max: number, what: string): string | null {
  if (seconds === null) return null;
  if (!Number.isInteger(seconds)) return `${what} must be a whole number of seconds`;
  if (seconds < min || seconds > max) return `${what} must be between ${min} and ${max} seconds`;
  return null;
}

export function initialValues(app: Application | null, kind: AppKind): ApplicationFormValues {
  return {
    name: app?.name ?? '',
    scopes: app?.scopes ?? [],
    redirect_uris: (app?.redirect_uris ?? []).join('\n'),
    refresh_policy: app?.refresh_policy === 'rotate' ? 'rotate' : app ? 'reuse' : kind === 'partner' ? 'reuse' : 'rotate',
    access_token_ttl: app?.access_token_ttl ?? null,
    refresh_token_ttl: app?.refresh_token_ttl ?? null,
    refresh_family_max_age: app?.refresh_family_max_age ?? null,
    refresh_grace_period: app?.refresh_grace_period ?? null,
  };
}

/**
 * Registers or edits an application. Fields are checked here first (with the server's own limits), and
 * the server's per-field answers are shown beside the fields they concern.
 */
export function ApplicationForm({
  kind,
  app,
  platform,
  onSubmit,
  onCancel,
  submitLabel = 'Save',
}: {
  kind: AppKind;
  app: Application | null;
  /** The organization is the platform's: grantry: scopes may be picked. */
  platform: boolean;
  onSubmit: (values: ApplicationFormValues) => Promise<unknown>;
  onCancel?: () => void;
  submitLabel?: string;
}) {
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const form = useForm<ApplicationFormValues>({
    mode: 'controlled',
    initialValues: initialValues(app, kind),
    validate: {
      name: (v) => (v.trim() === '' ? 'Enter a name for the application' : v.trim().length > 200 ? 'The name may be at most 200 characters' : null),
      scopes: (v) => (v.length === 0 ? 'Pick at least one scope: the application can only obtain tokens for its scopes' : v.length > 100 ? 'At most 100 scopes' : null),
      redirect_uris: (v) => {
        if (kind !== 'partner') return null;
        const uris = splitLines(v);
        if (uris.length > 20) return 'At most 20 redirect URIs';
        return uris.map(redirectUriProblem).find(Boolean) ?? null;
      },
      access_token_ttl: (v) => (kind === 'partner' ? range(v, 60, 366 * 86400, 'The access token lifetime') : null),
      refresh_token_ttl: (v) => (kind === 'partner' ? range(v, 0, 5 * YEAR, 'The refresh token lifetime') : null),
      refresh_family_max_age: (v) => (kind === 'partner' ? range(v, 0, 10 * YEAR, 'The maximum age') : null),
      refresh_grace_period: (v, all) => (kind === 'partner' && all.refresh_policy === 'rotate' ? range(v, 0, 300, 'The grace period') : null),
    },
  });

  const submit = form.onSubmit(async (values) => {
    setFailure(null);
    setSaving(true);
    try {
      await onSubmit(values);
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fieldErrors).length > 0) {
        const known = new Set(Object.keys(values));
        const fields = Object.entries(err.fieldErrors).filter(([f]) => known.has(f));
        form.setErrors(Object.fromEntries(fields.map(([f, m]) => [f, m.replace(/^./, (c) => c.toUpperCase())])));
        if (fields.length === 0) setFailure(messageOf(err));
      } else {
        setFailure(messageOf(err));
      }
    } finally {
      setSaving(false);
    }
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput label="Name" placeholder={kind === 'token' ? 'e.g. Acme ERP' : 'e.g. Ledgerly Bookkeeping'} withAsterisk {...form.getInputProps('name')} data-autofocus maxLength={200} />
        <ScopePicker platform={platform} value={form.values.scopes} onChange={(v) => form.setFieldValue('scopes', v)} error={form.errors.scopes} />
        {kind === 'partner' && (
          <>
            <Textarea
              label="Redirect URIs"
              description="Where Grantry may send people back after they sign in and consent (authorization code flow), one per line. https, or http on localhost."
              placeholder="https://app.example/oauth/callback"
              autosize
              minRows={2}
              maxRows={8}
              {...form.getInputProps('redirect_uris')}
            />
            <Fieldset legend="Refresh tokens" variant="default">
              <Stack gap="sm">
                <Stack gap={4}>
                  <Text fz="sm" fw={500} id="refresh-policy-label">
                    Refresh policy
                  </Text>
                  <SegmentedControl
                    aria-labelledby="refresh-policy-label"
                    data={[
                      { value: 'reuse', label: 'Reuse' },
                      { value: 'rotate', label: 'Rotate' },
                    ]}
                    {...form.getInputProps('refresh_policy')}
                  />
                  <Text fz="xs" c="dimmed">
                    {form.values.refresh_policy === 'rotate'
                      ? 'Rotate: every refresh returns a new refresh token and spends the old one; presenting a spent token again revokes the whole family.'
                      : 'Reuse: the refresh token stays valid across refreshes (safest when tokens are delivered by webhook).'}
                  </Text>
                </Stack>
                {form.values.refresh_policy === 'rotate' && (
                  <DurationInput
                    label="Grace period"
                    description="How long a just-rotated refresh token may be replayed for the same new token (a lost response). At most 5 minutes."
                    value={form.values.refresh_grace_period}
                    onChange={(v) => form.setFieldValue('refresh_grace_period', v)}
                    error={form.errors.refresh_grace_period}
                    defaultUnit="1"
                    units={['60', '1']}
                    zeroMeans="no replay at all"
                  />
                )}
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  <DurationInput
                    label="Access token lifetime"
                    value={form.values.access_token_ttl}
                    onChange={(v) => form.setFieldValue('access_token_ttl', v)}
                    error={form.errors.access_token_ttl}
                    defaultUnit="60"
                  />
                  <DurationInput
                    label="Refresh token lifetime"
                    description="Unused for this long, a refresh token expires."
                    value={form.values.refresh_token_ttl}
                    onChange={(v) => form.setFieldValue('refresh_token_ttl', v)}
                    error={form.errors.refresh_token_ttl}
                    zeroMeans="never expires while installed"
                  />
                  <DurationInput
                    label="Maximum age"
                    description="However often it is refreshed, a chain of refresh tokens ends after this long."
                    value={form.values.refresh_family_max_age}
                    onChange={(v) => form.setFieldValue('refresh_family_max_age', v)}
                    error={form.errors.refresh_family_max_age}
                    zeroMeans="no limit"
                  />
                </SimpleGrid>
              </Stack>
            </Fieldset>
          </>
        )}
        {failure && (
          <Alert color="red" title="Not saved" role="alert">
            {failure}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          {onCancel && (
            <Button variant="default" onClick={onCancel} disabled={saving}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={saving}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
