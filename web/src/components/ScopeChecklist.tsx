import { Checkbox, Stack, Text } from '@mantine/core';
import { useScopeCatalogue } from './ScopePicker';

/**
 * The scopes to grant an application, picked from those it may be granted (its registered scopes),
 * each with the catalogue's description.
 */
export function ScopeChecklist({
  offered,
  value,
  onChange,
  error,
  label = 'Scopes to grant',
  description = 'The application can only act within the scopes you grant it.',
}: {
  offered: string[];
  value: string[];
  onChange: (v: string[]) => void;
  error?: string | null;
  label?: string;
  description?: string;
}) {
  const catalogue = useScopeCatalogue();
  const described = new Map((catalogue.data ?? []).map((s) => [s.scope, s.description]));
  // Scopes granted earlier that the application no longer offers stay visible, so they can be taken away.
  const all = [...offered, ...value.filter((v) => !offered.includes(v))];
  return (
    <Checkbox.Group label={label} description={description} value={value} onChange={onChange} error={error ?? undefined} withAsterisk>
      <Stack gap="xs" mt="xs">
        {all.length === 0 && (
          <Text c="dimmed" fz="sm">
            This application offers no scopes.
          </Text>
        )}
        {all.map((s) => (
          <Checkbox
            key={s}
            value={s}
            label={
              <Text fz="sm" ff="monospace" component="span">
                {s}
              </Text>
            }
            description={described.get(s) || (offered.includes(s) ? undefined : 'No longer offered by the application')}
          />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}
