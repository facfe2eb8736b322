import { Button, Group, Stack, TextInput, Textarea } from '@mantine/core';
import { useForm, type UseFormReturnType } from '@mantine/form';
import { useState } from 'react';
import { ApiError, type Scope } from '../api/client';
import { ErrorAlert } from './ErrorAlert';

/** The server's rule for scope names (src/domain/scope.ts): audience:operation. */
const SCOPE_RE = /^[a-z0-9][a-z0-9_.-]{0,62}:[a-z0-9][a-z0-9_.*-]{0,62}$/;

export function scopeNameProblem(name: string): string | null {
  const v = name.trim();
  if (v === '') return 'Enter the scope, as audience:operation (e.g. payments:create)';
  if (!v.includes(':')) return 'A scope is an audience and an operation separated by a colon, e.g. payments:create';
  if (v !== v.toLowerCase()) return 'Use lower-case letters only';
  if (!SCOPE_RE.test(v)) return 'Audience and operation may hold lower-case letters, digits, “_”, “.” and “-” (at most 63 each), e.g. payments:create';
  return null;
}

const descriptionProblem = (v: string) => (v.trim().length > 500 ? 'The description may be at most 500 characters' : null);

/** Submits a form, and shows the server's answer beside the field it is about (or above the buttons). */
function useSubmit<T extends Record<string, unknown>>(form: UseFormReturnType<T, T, any>, onSubmit: (v: T) => Promise<unknown>) {
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = form.onSubmit(async (values) => {
    setFailure(null);
    setSaving(true);
    try {
      await onSubmit(values);
    } catch (err) {
      const fields = err instanceof ApiError ? Object.entries(err.fieldErrors).filter(([f]) => f in values) : [];
      if (fields.length > 0) form.setErrors(Object.fromEntries(fields.map(([f, m]) => [f, m.replace(/^./, (c) => c.toUpperCase())])));
      else setFailure(err);
    } finally {
      setSaving(false);
    }
  });
  return { submit, failure, saving };
}

export function AddScopeForm({ onSubmit, onCancel }: { onSubmit: (v: { scope: string; description: string }) => Promise<unknown>; onCancel: () => void }) {
  const form = useForm({
    mode: 'controlled',
    initialValues: { scope: '', description: '' },
    validate: { scope: scopeNameProblem, description: descriptionProblem },
  });
  const { submit, failure, saving } = useSubmit(form, onSubmit);
  const audience = form.values.scope.includes(':') ? form.values.scope.split(':')[0] : null;
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput
          label="Scope"
          placeholder="payments:create"
          description={audience ? `Audience “${audience}” (the API), operation “${form.values.scope.split(':').slice(1).join(':')}”` : 'audience:operation — the API, then what a token may do there'}
          withAsterisk
          data-autofocus
          ff="monospace"
          maxLength={130}
          {...form.getInputProps('scope')}
        />
        <Textarea label="Description" placeholder="What a person grants, e.g. “Take payments on your behalf”" description="Shown to merchants when they grant it." autosize minRows={2} maxLength={500} {...form.getInputProps('description')} />
        {failure !== null && <ErrorAlert error={failure} title="Scope not added" />}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={saving}>
            Add scope
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function EditScopeForm({ scope, onSubmit, onCancel }: { scope: Scope; onSubmit: (v: { description: string }) => Promise<unknown>; onCancel: () => void }) {
  const form = useForm({ mode: 'controlled', initialValues: { description: scope.description }, validate: { description: descriptionProblem } });
  const { submit, failure, saving } = useSubmit(form, onSubmit);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Textarea label="Description" description="Shown to merchants when they grant it." autosize minRows={2} maxLength={500} data-autofocus {...form.getInputProps('description')} />
        {failure !== null && <ErrorAlert error={failure} title="Not saved" />}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={saving}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

