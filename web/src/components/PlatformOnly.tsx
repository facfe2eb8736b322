import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';
import { useOrg } from '../org';
import { PageHeader } from './PageHeader';

export const PLATFORM_CRUMBS = [{ label: 'Platform' }];

/**
 * A platform administration page: only platform administrators see it (the API answers 403 to anyone
 * else, so the page says so without asking).
 */
export function PlatformOnly({ title, children }: { title: string; children: ReactNode }) {
  const { isPlatformAdmin } = useOrg();
  if (isPlatformAdmin) return <>{children}</>;
  return (
    <>
      <PageHeader title={title} crumbs={[...PLATFORM_CRUMBS, { label: title }]} />
      <Alert color="gray" title="For platform administrators only" data-testid="platform-only">
        {title} is part of the platform’s administration. Only platform administrators can see it; ask one if you need something here.
      </Alert>
    </>
  );
}
