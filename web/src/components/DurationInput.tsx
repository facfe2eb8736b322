import { Group, Input, NativeSelect, NumberInput, Text } from '@mantine/core';
import { useId, useState } from 'react';
import { formatDuration } from '../format';

const UNITS = [
  { value: '86400', label: 'days' },
  { value: '3600', label: 'hours' },
  { value: '60', label: 'minutes' },
  { value: '1', label: 'seconds' },
];

/** The largest unit that expresses `seconds` exactly. */
const unitFor = (seconds: number | null, fallback: string): string =>
  seconds === null || seconds === 0 ? fallback : (UNITS.find((u) => seconds % Number(u.value) === 0)?.value ?? '1');

/**
 * A lifetime in seconds, typed as an amount and a unit. Empty means "the server's default" (null).
 */
export function DurationInput({
  label,
  description,
  value,
  onChange,
  error,
  defaultUnit = '86400',
  units = UNITS.map((u) => u.value),
  zeroMeans,
}: {
  label: string;
  description?: string;
  value: number | null;
  onChange: (seconds: number | null) => void;
  error?: React.ReactNode;
  defaultUnit?: string;
  units?: string[];
  /** What 0 means for this setting. */
  zeroMeans?: string;
}) {
  const [unit, setUnit] = useState(() => unitFor(value, defaultUnit));
  const id = useId();
  const size = Number(unit);
  const amount = value === null ? '' : value / size;
  const hint = value === null ? 'Empty: the server default.' : value === 0 && zeroMeans ? `0: ${zeroMeans}.` : `= ${formatDuration(value)}`;
  return (
    <Input.Wrapper label={label} description={description} error={error} labelProps={{ htmlFor: id }} inputWrapperOrder={['label', 'description', 'input', 'error']}>
      <Group gap="xs" wrap="nowrap" align="flex-start" mt={description ? 5 : 0}>
        <NumberInput
          id={id}
          value={amount}
          onChange={(v) => onChange(v === '' || v === null ? null : Math.round(Number(v) * size))}
          min={0}
          allowNegative={false}
          decimalScale={size === 1 ? 0 : 3}
          placeholder="server default"
          error={!!error}
          hideControls
          aria-describedby={`${id}-hint`}
          style={{ flex: 1, minWidth: 0 }}
        />
        <NativeSelect
          aria-label={`${label}: unit`}
          data={UNITS.filter((u) => units.includes(u.value))}
          value={unit}
          onChange={(e) => {
            const next = e.currentTarget.value;
            setUnit(next);
            if (value !== null) onChange(Math.round((value / size) * Number(next)));
          }}
          w={112}
        />
      </Group>
      <Text id={`${id}-hint`} fz="xs" c="dimmed" mt={2}>
        {hint}
      </Text>
    </Input.Wrapper>
  );
}
