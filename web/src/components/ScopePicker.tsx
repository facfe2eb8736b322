import { MultiSelect, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, data, messageOf, type Scope } from '../api/client';

/** The whole scope catalogue (GET /scopes, every page). */
async function catalogue(): Promise<Scope[]> {
  const out: Scope[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await data(api.GET('/api/v1/scopes', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }));
    out.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

export function useScopeCatalogue() {
  return useQuery({ queryKey: ['scopes', 'all'], queryFn: catalogue, staleTime: 60_000 });
}

/**
 * Scopes picked from the catalogue: each is an audience (the API) and an operation (what the token may
 * do there). `grantry:` scopes are the platform's own and only offered to platform organizations.
 */
export function ScopePicker({
  value,
  onChange,
  error,
  platform,
  description = 'Each scope is an audience (the web service) and an operation (the action), e.g. payments:create.',
}: {
  value: string[];
  onChange: (value: string[]) => void;
  error?: React.ReactNode;
  platform: boolean;
  description?: string;
}) {
  const scopes = useScopeCatalogue();
  const offered = (scopes.data ?? []).filter((s) => platform || !s.scope.startsWith('grantry:'));
  const known = new Set(offered.map((s) => s.scope));
  const described = new Map(offered.map((s) => [s.scope, s.description]));
  // Scopes the application holds that are no longer offered still show, so they can be removed.
  const data = [...offered.map((s) => s.scope), ...value.filter((v) => !known.has(v))].map((s) => ({ value: s, label: s }));
  return (
    <MultiSelect
      label="Scopes"
      placeholder={value.length === 0 ? (scopes.isLoading ? 'Loading the scope catalogue…' : 'Pick one or more scopes') : undefined}
      description={description}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      clearable
      hidePickedOptions={false}
      nothingFoundMessage={scopes.isError ? messageOf(scopes.error) : 'No scope matches'}
      error={error ?? (scopes.isError ? `The scope catalogue could not be loaded: ${messageOf(scopes.error)}` : undefined)}
      maxDropdownHeight={280}
      comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
      renderOption={({ option }) => (
        <Stack gap={0}>
          <Text fz="sm" ff="monospace">
            {option.value}
          </Text>
          {described.get(option.value) && (
            <Text fz="xs" c="dimmed">
              {described.get(option.value)}
            </Text>
          )}
        </Stack>
      )}
    />
  );
}
