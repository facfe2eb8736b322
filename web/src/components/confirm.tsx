import { Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import type { ReactNode } from 'react';

/** A destructive action, after the person confirms it in a modal. */
export function confirmDanger(opts: { title: string; message: ReactNode; confirmLabel: string; onConfirm: () => void }): void {
  modals.openConfirmModal({
    title: opts.title,
    centered: true,
    children: <Text fz="sm">{opts.message}</Text>,
    labels: { confirm: opts.confirmLabel, cancel: 'Cancel' },
    confirmProps: { color: 'red' },
    onConfirm: opts.onConfirm,
  });
}
