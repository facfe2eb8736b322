import { Text, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { formatDateSeconds } from '../format';

/** "in 4 min 10 s" / "expired 2 min ago", kept current. */
export function Countdown({ to, past = 'expired' }: { to: number; past?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.round((to - now) / 1000);
  return (
    <Tooltip label={formatDateSeconds(to)} withArrow>
      <Text fz="sm" component="span" c={left <= 30 ? 'red' : undefined} style={{ whiteSpace: 'nowrap' }}>
        {left > 0 ? `in ${span(left)}` : `${past} ${span(-left)} ago`}
      </Text>
    </Tooltip>
  );
}

function span(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return seconds % 60 === 0 ? `${m} min` : `${m} min ${seconds % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}
