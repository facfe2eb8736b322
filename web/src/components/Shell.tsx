import { AppShell, Avatar, Badge, Burger, Button, Divider, Group, Menu, NavLink, ScrollArea, Select, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { useMe } from '../api/me';
import { FullPage } from '../auth/RequireSignIn';
import { signOut } from '../auth/session';
import { messageOf } from '../api/client';
import { OrgProvider, ORG_TYPE_LABEL, ROLE_LABEL, useOrg } from '../org';

export interface NavItem {
  label: string;
  path: string;
  /** Only platform administrators see it. */
  platformAdmin?: boolean;
}

/** The console's frame: header, navigation (a burger menu on a phone), organization switcher. */
export function Shell({ nav }: { nav: NavItem[] }) {
  const me = useMe();
  if (me.isLoading) return <FullPage message="Loading your organizations…" />;
  if (me.isError || !me.data) {
    return (
      <FullPage message={`The console could not load your account: ${messageOf(me.error)}`}>
        <Group>
          <Button onClick={() => void me.refetch()}>Try again</Button>
          <Button variant="default" onClick={() => void signOut()}>
            Sign out
          </Button>
        </Group>
      </FullPage>
    );
  }
  return (
    <OrgProvider me={me.data}>
      <Frame nav={nav} />
    </OrgProvider>
  );
}

function Frame({ nav }: { nav: NavItem[] }) {
  const [opened, { toggle, close }] = useDisclosure(false);
  const { pathname } = useLocation();
  const { me, isPlatformAdmin } = useOrg();
  // A choice in the menu closes it on a phone.
  useEffect(close, [pathname, close]);
  const sections = [
    { title: 'Organization', items: nav.filter((n) => !n.platformAdmin) },
    ...(isPlatformAdmin ? [{ title: 'Platform', items: nav.filter((n) => n.platformAdmin) }] : []),
  ];
  const who = me.user?.email ?? me.actor;
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding={{ base: 'sm', sm: 'lg' }}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
            <Text fw={700} fz="lg" component={Link} to="/" c="inherit" td="none">
              Grantry
            </Text>
            <Text c="dimmed" visibleFrom="xs">
              console
            </Text>
          </Group>
          <Menu position="bottom-end" width={260} withinPortal>
            <Menu.Target>
              <UnstyledButton aria-label={`Account: ${who}`}>
                <Group gap="xs" wrap="nowrap">
                  <Avatar radius="xl" size="sm" color="blue">
                    {who.slice(0, 1).toUpperCase()}
                  </Avatar>
                  <Text fz="sm" visibleFrom="sm" maw={220} truncate>
                    {who}
                  </Text>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label style={{ overflowWrap: 'anywhere' }}>{who}</Menu.Label>
              {isPlatformAdmin && (
                <Menu.Label>
                  <Badge size="xs" variant="light">
                    Platform administrator
                  </Badge>
                </Menu.Label>
              )}
              <Menu.Item component="a" href="/account">
                Your account
              </Menu.Item>
              <Menu.Divider />
              <Menu.Item color="red" onClick={() => void signOut()}>
                Sign out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Console navigation">
        <AppShell.Section>
          <OrgSwitcher />
        </AppShell.Section>
        <Divider my="sm" />
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap="sm">
            {sections.map((s) => (
              <Stack gap={2} key={s.title}>
                <Text fz="xs" fw={700} c="dimmed" tt="uppercase" px="sm">
                  {s.title}
                </Text>
                {s.items.map((item) => (
                  <NavLink key={item.path} component={Link} to={item.path} label={item.label} active={pathname === item.path || pathname.startsWith(`${item.path}/`)} />
                ))}
              </Stack>
            ))}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <div style={{ maxWidth: 1200, marginInline: 'auto' }}>
          <Outlet />
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

/** The organization the Organization pages are about: the person's memberships; every organization for platform administrators. */
function OrgSwitcher() {
  const { organizations, current, select, isPlatformAdmin, loadingOrganizations } = useOrg();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const pick = (id: string) => {
    select(id);
    // A page about one thing of the previous organization gives way to its section's list.
    const section = `/${pathname.split('/')[1] ?? ''}`;
    if (pathname !== section) void navigate(section);
  };
  if (organizations.length === 0 && !loadingOrganizations) {
    return (
      <Text fz="sm" c="dimmed">
        You are not a member of any organization.
      </Text>
    );
  }
  const groups = (['merchant', 'partner', 'platform'] as const)
    .map((type) => ({
      group: `${ORG_TYPE_LABEL[type]} organizations`,
      items: organizations.filter((o) => o.type === type).map((o) => ({ value: o.id, label: o.name })),
    }))
    .filter((g) => g.items.length > 0);
  return (
    <Stack gap={4}>
      <Select
        label="Organization"
        data={groups}
        value={current?.id ?? null}
        onChange={(v) => v && pick(v)}
        searchable={organizations.length > 7}
        allowDeselect={false}
        nothingFoundMessage="No organization by that name"
        placeholder={loadingOrganizations ? 'Loading…' : 'Pick an organization'}
        comboboxProps={{ withinPortal: true, position: 'bottom-start' }}
        data-testid="org-switcher"
      />
      {current && (
        <Text fz="xs" c="dimmed">
          {ORG_TYPE_LABEL[current.type]}
          {current.role ? ` · you are ${ROLE_LABEL[current.role].toLowerCase()}` : isPlatformAdmin ? ' · as platform administrator' : ''}
        </Text>
      )}
    </Stack>
  );
}
