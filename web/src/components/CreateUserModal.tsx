import { Button, Checkbox, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMediaQuery } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api, data } from '../api/client';
import { ORG_TYPE_LABEL, useOrg } from '../org';
import type { CreatedUser, MemberRole } from './apiTypes';
import { ErrorAlert } from './ErrorAlert';
import { emailProblem, ROLES, SetupLinkShown, usersKey } from './userShared';

interface Values {
  email: string;
  name: string;
  platform_admin: boolean;
  organization_id: string | null;
  role: MemberRole | null;
}

/** Create a user: email, name, platform administrator or not, a first membership; the setup link once. */
export function CreateUserModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const phone = useMediaQuery('(max-width: 36em)');
  const queryClient = useQueryClient();
  const { organizations } = useOrg();
  const [created, setCreated] = useState<CreatedUser | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const form = useForm<Values>({
    mode: 'controlled',
    initialValues: { email: '', name: '', platform_admin: false, organization_id: null, role: 'developer' },
    validate: {
      email: emailProblem,
      name: (v) => (v.trim().length > 200 ? 'The name may be at most 200 characters' : null),
      role: (v, all) => (all.organization_id && !v ? 'Pick the person’s role in the organization' : null),
    },
  });
  const close = () => {
    setCreated(null);
    setFailure(null);
    form.reset();
    onClose();
  };
  const submit = form.onSubmit(async (v) => {
    setFailure(null);
    try {
      const user = await data(
        api.POST('/api/v1/users', {
          body: {
            email: v.email.trim(),
            ...(v.name.trim() ? { name: v.name.trim() } : {}),
            platform_admin: v.platform_admin,
            ...(v.organization_id && v.role ? { memberships: [{ organization_id: v.organization_id, role: v.role }] } : {}),
          },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: usersKey });
      setCreated(user);
    } catch (err) {
      const fields = err instanceof ApiError ? Object.entries(err.fieldErrors).filter(([f]) => f in v) : [];
      if (fields.length > 0) form.setErrors(Object.fromEntries(fields.map(([f, m]) => [f, m.replace(/^./, (c) => c.toUpperCase())])));
      else setFailure(err);
    }
  });
  const orgOptions = (['merchant', 'partner', 'platform'] as const)
    .map((t) => ({ group: `${ORG_TYPE_LABEL[t]} organizations`, items: organizations.filter((o) => o.type === t).map((o) => ({ value: o.id, label: o.name })) }))
    .filter((g) => g.items.length > 0);
  return (
    <Modal opened={opened} onClose={close} title={created ? 'User created' : 'Create a user'} size="lg" centered fullScreen={!!phone} closeOnClickOutside={!created}>
      {created ? (
        created.setup_link ? (
          <SetupLinkShown
            link={created.setup_link}
            expiresAt={created.setup_link_expires_at ?? 0}
            email={created.email}
            onDone={() => {
              const id = created.id;
              close();
              onCreated(id);
            }}
          />
        ) : null
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <TextInput label="Email" placeholder="name@example.com" type="email" withAsterisk data-autofocus maxLength={254} {...form.getInputProps('email')} />
            <TextInput label="Name" placeholder="e.g. Olivia Martin" maxLength={200} {...form.getInputProps('name')} />
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
              <Select
                label="Organization"
                description="Optional: a first membership"
                placeholder="None"
                data={orgOptions}
                searchable
                clearable
                comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
                {...form.getInputProps('organization_id')}
              />
              <Select
                label="Role"
                description="What they may do there"
                data={ROLES.map((r) => ({ value: r.value, label: r.label }))}
                disabled={!form.values.organization_id}
                allowDeselect={false}
                comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
                {...form.getInputProps('role')}
              />
            </SimpleGrid>
            <Checkbox label="Platform administrator" description="Every right on every organization, signing keys, users and the audit log." {...form.getInputProps('platform_admin', { type: 'checkbox' })} />
            {failure !== null && <ErrorAlert error={failure} title="User not created" />}
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={form.submitting}>
                Create user
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
