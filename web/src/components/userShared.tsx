import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { formatDate } from '../format';
import type { MemberRole } from './apiTypes';
import { CopyValue } from './SecretOnce';

export const usersKey = ['users'] as const;
export const userKey = (id: string) => ['user', id] as const;

export const ROLES: { value: MemberRole; label: string; hint: string }[] = [
  { value: 'owner', label: 'Owner', hint: 'everything in the organization, including its people' },
  { value: 'admin', label: 'Admin', hint: 'applications, installations and decoupled requests' },
  { value: 'developer', label: 'Developer', hint: 'applications only' },
];
export const roleLabel = (r: string) => ROLES.find((x) => x.value === r)?.label ?? r;

const EMAIL = /^[^\s@]+@[^\s@]+$/;
export function emailProblem(v: string): string | null {
  const e = v.trim();
  if (e === '') return 'Enter the person’s email address';
  if (e.length > 254) return 'An email address has at most 254 characters';
  if (!EMAIL.test(e)) return 'Enter an email address like name@example.com';
  return null;
}

/** A one-time setup link, shown once, with what to do with it. */
export function SetupLinkShown({ link, expiresAt, email, onDone }: { link: string; expiresAt: number; email: string; onDone: () => void }) {
  return (
    <Stack gap="md">
      <Text fz="sm">
        Send this link to <b>{email}</b>. It lets them choose a password once, until {formatDate(expiresAt)}.
      </Text>
      <CopyValue label="Setup link" value={link} testId="setup-link" />
      <Alert color="yellow" title="Copy the link now" role="status">
        This is the only time Grantry shows it: only its hash is stored. If it is lost, create a new one.
      </Alert>
      <Group justify="flex-end">
        <Button onClick={onDone}>I have copied the link</Button>
      </Group>
    </Stack>
  );
}
