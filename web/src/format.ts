/** Dates and durations in words, for people. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export const formatTime = (ms: number): string => time.format(new Date(ms));
export const formatDate = (ms: number | null | undefined): string => (ms == null ? '—' : dateTime.format(new Date(ms)));
export const formatDateSeconds = (ms: number | null | undefined): string => (ms == null ? '—' : dateTimeSeconds.format(new Date(ms)));

const UNITS: [number, string][] = [
  [365 * 86400, 'year'],
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** 90 → "1 minute 30 seconds"; 2592000 → "30 days". At most two units. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0 seconds';
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, name] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
      rest -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
