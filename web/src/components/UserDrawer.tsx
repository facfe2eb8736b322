import { ActionIcon, Badge, Button, Divider, Drawer, Group, Select, SegmentedControl, Stack, Switch, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, data } from '../api/client';
import { formatDate } from '../format';
import { useOrg } from '../org';
import type { MemberRole, SetupLink, User } from './apiTypes';
import { DeleteIcon } from './actionIcons';
import { confirmDanger } from './confirm';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';
import { ROLES, roleLabel, SetupLinkShown, userKey, usersKey } from './userShared';

/** One user: name, status, platform administrator; memberships; a setup link; delete. */
export function UserDrawer({ userId, initial, onClose }: { userId: string | null; initial: User | undefined; onClose: () => void }) {
  const phone = useMediaQuery('(max-width: 36em)');
  const user = useQuery({
    queryKey: userKey(userId ?? ''),
    enabled: userId !== null,
    queryFn: () => data(api.GET('/api/v1/users/{id}', { params: { path: { id: userId! } } })),
    ...(initial ? { initialData: initial } : {}),
  });
  const u = user.data;
  return (
    <Drawer
      opened={userId !== null}
      onClose={onClose}
      position="right"
      size={phone ? '100%' : 'lg'}
      title={<Text fw={700}>{u ? u.name || u.email : 'User'}</Text>}
    >
      {user.isError ? <ErrorAlert error={user.error} title="The user could not be loaded" onRetry={() => void user.refetch()} /> : !u ? <Loading /> : <UserDetails key={u.id} user={u} onDeleted={onClose} />}
    </Drawer>
  );
}

function UserDetails({ user: u, onDeleted }: { user: User; onDeleted: () => void }) {
  const queryClient = useQueryClient();
  const { me } = useOrg();
  const isMe = me.user?.id === u.id;
  const saved = async (next: User) => {
    queryClient.setQueryData(userKey(u.id), next);
    await queryClient.invalidateQueries({ queryKey: usersKey });
  };

  const remove = useMutation({
    mutationFn: () => data(api.DELETE('/api/v1/users/{id}', { params: { path: { id: u.id } } })),
    onSuccess: async () => {
      notifications.show({ color: 'green', title: 'User deleted', message: `${u.email} can no longer sign in.` });
      queryClient.removeQueries({ queryKey: userKey(u.id) });
      await queryClient.invalidateQueries({ queryKey: usersKey });
      onDeleted();
    },
  });

  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Text fz="sm" style={{ overflowWrap: 'anywhere' }} data-testid="user-email">
          {u.email}
        </Text>
        <Group gap={6}>
          <Badge color={u.status === 'active' ? 'green' : 'gray'} variant="light">
            {u.status === 'active' ? 'Active' : 'Disabled'}
          </Badge>
          {u.platform_admin && (
            <Badge color="grape" variant="light">
              Platform administrator
            </Badge>
          )}
          <Badge color={u.has_password ? 'blue' : 'yellow'} variant="light">
            {u.has_password ? 'Password set' : 'No password yet'}
          </Badge>
        </Group>
        <Text fz="xs" c="dimmed">
          Created {formatDate(u.created_at)} · changed {formatDate(u.updated_at)} · id {u.id}
        </Text>
      </Stack>
      <Profile user={u} isMe={isMe} onSaved={saved} />
      <Divider />
      <Memberships user={u} onSaved={saved} />
      <Divider />
      <SetupLinkSection user={u} />
      <Divider />
      <Stack gap="xs">
        <Title order={3} fz="md">
          Delete
        </Title>
        <Text fz="sm" c="dimmed">
          The person can no longer sign in; their sessions end. Grantry refuses to delete the last owner of an organization.
        </Text>
        {remove.isError && <ErrorAlert error={remove.error} title="Not deleted" />}
        <Group>
          <Button
            variant="outline"
            color="red"
            loading={remove.isPending}
            disabled={isMe}
            onClick={() =>
              confirmDanger({ title: `Delete ${u.email}?`, message: 'Their account, memberships and sessions are removed. This cannot be undone.', confirmLabel: 'Delete user', onConfirm: () => remove.mutate() })
            }
          >
            Delete user
          </Button>
          {isMe && (
            <Text fz="xs" c="dimmed">
              You cannot delete yourself.
            </Text>
          )}
        </Group>
      </Stack>
    </Stack>
  );
}

function Profile({ user: u, isMe, onSaved }: { user: User; isMe: boolean; onSaved: (u: User) => Promise<void> }) {
  const [name, setName] = useState(u.name);
  const [status, setStatus] = useState(u.status);
  const [admin, setAdmin] = useState(u.platform_admin);
  const [nameError, setNameError] = useState<string | null>(null);
  useEffect(() => {
    setName(u.name);
    setStatus(u.status);
    setAdmin(u.platform_admin);
  }, [u]);
  const save = useMutation({
    mutationFn: () =>
      data(
        api.PATCH('/api/v1/users/{id}', {
          params: { path: { id: u.id } },
          body: { ...(name.trim() !== u.name ? { name: name.trim() } : {}), ...(status !== u.status ? { status } : {}), ...(admin !== u.platform_admin ? { platform_admin: admin } : {}) },
        }),
      ),
    onSuccess: async (next) => {
      await onSaved(next);
      notifications.show({ color: 'green', title: 'Saved', message: `${next.email} was updated.` });
    },
  });
  const changed = name.trim() !== u.name || status !== u.status || admin !== u.platform_admin;
  const submit = () => {
    if (name.trim().length > 200) return setNameError('The name may be at most 200 characters');
    setNameError(null);
    const warnings = [
      status === 'disabled' && u.status !== 'disabled' ? 'They can no longer sign in, and every session they have ends now.' : null,
      admin && !u.platform_admin ? 'They get every right on every organization, the signing keys, users and the audit log.' : null,
      !admin && u.platform_admin ? 'They lose the platform administration: they keep only their memberships.' : null,
    ].filter(Boolean);
    if (warnings.length === 0) return save.mutate();
    confirmDanger({ title: `Change ${u.email}?`, message: warnings.join(' '), confirmLabel: 'Save changes', onConfirm: () => save.mutate() });
  };
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Stack gap="sm">
        <Title order={3} fz="md">
          Profile
        </Title>
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameError} maxLength={200} />
        <Stack gap={4}>
          <Text fz="sm" fw={500}>
            Status
          </Text>
          <SegmentedControl
            value={status}
            onChange={(v) => setStatus(v as User['status'])}
            disabled={isMe}
            aria-label="Status"
            data={[
              { value: 'active', label: 'Active' },
              { value: 'disabled', label: 'Disabled' },
            ]}
            style={{ alignSelf: 'flex-start' }}
          />
        </Stack>
        <Switch label="Platform administrator" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} disabled={isMe} description={isMe ? 'The console does not let you disable yourself or drop your own rights: ask another platform administrator.' : undefined} />
        {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
        <Group justify="flex-end">
          <Button type="submit" disabled={!changed} loading={save.isPending}>
            Save profile
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Memberships({ user: u, onSaved }: { user: User; onSaved: (u: User) => Promise<void> }) {
  const { organizations } = useOrg();
  const names = new Map(organizations.map((o) => [o.id, o.name]));
  const [org, setOrg] = useState<string | null>(null);
  const [role, setRole] = useState<MemberRole | null>('developer');
  const [errors, setErrors] = useState<{ org?: string; role?: string }>({});
  const set = useMutation({
    mutationFn: (v: { org: string; role: MemberRole }) => data(api.PUT('/api/v1/users/{id}/memberships/{organization_id}', { params: { path: { id: u.id, organization_id: v.org } }, body: { role: v.role } })),
    onSuccess: async (next, v) => {
      await onSaved(next);
      notifications.show({ color: 'green', title: 'Membership saved', message: `${u.email} is ${roleLabel(v.role).toLowerCase()} of ${names.get(v.org) ?? v.org}.` });
      setOrg(null);
    },
  });
  const remove = useMutation({
    mutationFn: (orgId: string) => data(api.DELETE('/api/v1/users/{id}/memberships/{organization_id}', { params: { path: { id: u.id, organization_id: orgId } } })),
    onSuccess: async (next, orgId) => {
      await onSaved(next);
      notifications.show({ color: 'green', title: 'Membership removed', message: `${u.email} no longer belongs to ${names.get(orgId) ?? orgId}.` });
    },
  });
  const member = new Set(u.memberships.map((m) => m.organization_id));
  const offered = organizations.filter((o) => !member.has(o.id)).map((o) => ({ value: o.id, label: o.name }));
  const failure = set.error ?? remove.error;
  return (
    <Stack gap="sm">
      <Title order={3} fz="md">
        Organizations
      </Title>
      {u.memberships.length === 0 ? (
        <Text fz="sm" c="dimmed">
          Not a member of any organization{u.platform_admin ? ' (as a platform administrator they see every one)' : ''}.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={340} type="native">
          <Table verticalSpacing={4} aria-label="Memberships">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Organization</Table.Th>
                <Table.Th w={150}>Role</Table.Th>
                <Table.Th w={44} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {u.memberships.map((m) => {
                const orgName = names.get(m.organization_id) ?? m.organization_id;
                return (
                  <Table.Tr key={m.organization_id} data-testid="membership" data-org={orgName}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{orgName}</Table.Td>
                    <Table.Td>
                      <Select
                        size="xs"
                        aria-label={`Role in ${orgName}`}
                        data={ROLES.map((r) => ({ value: r.value, label: r.label }))}
                        value={m.role}
                        allowDeselect={false}
                        onChange={(v) => v && v !== m.role && set.mutate({ org: m.organization_id, role: v as MemberRole })}
                        comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label="Remove from the organization">
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`Remove from ${orgName}`}
                          onClick={() =>
                            confirmDanger({
                              title: `Remove ${u.email} from ${orgName}?`,
                              message: 'They lose access to its applications, installations and requests at once. Grantry refuses to remove the last owner.',
                              confirmLabel: 'Remove',
                              onConfirm: () => remove.mutate(m.organization_id),
                            })
                          }
                        >
                          <DeleteIcon />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {failure && <ErrorAlert error={failure} title="The membership was not changed" />}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const problems = { ...(org ? {} : { org: 'Pick the organization to add them to' }), ...(role ? {} : { role: 'Pick a role' }) };
          setErrors(problems);
          if (org && role) set.mutate({ org, role });
        }}
      >
        <Group align="flex-start" gap="xs" wrap="wrap">
          <Select
            label="Add to organization"
            placeholder="Pick an organization"
            data={offered}
            value={org}
            onChange={(v) => {
              setOrg(v);
              setErrors({});
            }}
            searchable
            error={errors.org}
            nothingFoundMessage="No other organization"
            comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
            style={{ flex: '1 1 12rem' }}
          />
          <Select
            label="As"
            data={ROLES.map((r) => ({ value: r.value, label: r.label, description: r.hint }))}
            value={role}
            onChange={(v) => setRole(v as MemberRole | null)}
            error={errors.role}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
            w={140}
          />
          <Button type="submit" mt={25} loading={set.isPending} variant="light">
            Add membership
          </Button>
        </Group>
      </form>
    </Stack>
  );
}

function SetupLinkSection({ user: u }: { user: User }) {
  const [link, setLink] = useState<SetupLink | null>(null);
  const create = useMutation({
    mutationFn: () => data(api.POST('/api/v1/users/{id}/setup-link', { params: { path: { id: u.id } } })),
    onSuccess: setLink,
  });
  return (
    <Stack gap="xs">
      <Title order={3} fz="md">
        Password
      </Title>
      {link ? (
        <SetupLinkShown link={link.setup_link} expiresAt={link.setup_link_expires_at} email={u.email} onDone={() => setLink(null)} />
      ) : (
        <>
          <Text fz="sm" c="dimmed">
            {u.has_password
              ? 'A setup link lets them choose a new password (a reset). Their current password keeps working until they use it.'
              : 'They have no password yet: a setup link lets them choose one. Links sent before stay valid until they are used or expire.'}
          </Text>
          {create.isError && <ErrorAlert error={create.error} title="No link created" />}
          <Group>
            <Button variant="light" loading={create.isPending} onClick={() => create.mutate()}>
              Create a setup link
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}

