import { Center, Loader, Stack, Text } from '@mantine/core';
import { useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { currentTokens, isSigningOut, startSignIn, subscribe } from './session';

/** Without tokens (first visit, a reload, a session that ended), the browser goes to sign in. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const tokens = useSyncExternalStore(subscribe, currentTokens);
  useEffect(() => {
    if (!tokens) void startSignIn();
  }, [tokens]);
  if (!tokens) return <FullPage message={isSigningOut() ? 'Signing out…' : 'Signing in…'} />;
  return <>{children}</>;
}

export function FullPage({ message, children }: { message: string; children?: ReactNode }) {
  return (
    <Center mih="100vh" p="md">
      <Stack align="center" gap="sm" maw={480}>
        {!children && <Loader aria-label="Loading" />}
        <Text ta="center">{message}</Text>
        {children}
      </Stack>
    </Center>
  );
}
