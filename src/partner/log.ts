/** The kit's logging: structured fields, never a token or a secret (see scrub). */
export type LogLevel = 'info' | 'warn' | 'error';

/** Receives the kit's log lines; pino's `(fields, msg)` order is adapted with `(level, msg, fields) => log[level](fields, msg)`. */
export type PartnerLogger = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

/** Default: warnings and errors on stderr, nothing else. */
export const defaultLogger: PartnerLogger = (level, message, fields) => {
  if (level !== 'info') console.error(`[grantry/partner] ${level}: ${message}`, fields);
};

/**
 * Removes every occurrence of the given secret values from a text (an error message from a driver or a
 * peer): a second net behind never putting tokens in messages in the first place.
 */
export function scrub(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
  return out;
}

/** What of an error may be logged: its class, code and scrubbed message. */
export function errorFields(err: unknown, secrets: readonly (string | null | undefined)[] = []): Record<string, unknown> {
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  return {
    error: typeof e?.name === 'string' ? e.name : 'Error',
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    message: scrub(typeof e?.message === 'string' ? e.message : String(err), secrets),
  };
}
