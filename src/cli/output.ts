import { AdminError } from '../admin/problem.js';
import { ConfigError } from '../config/load.js';
import { MigrationError } from '../storage/migrations/index.js';

export interface OutputOptions {
  json?: boolean;
}

/** Prints a result: JSON with --json (for scripts), otherwise the human-readable lines. */
export function print(opts: OutputOptions, value: unknown, human: () => string): void {
  process.stdout.write(opts.json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
}

/** Exit codes: 1 for a refused operation (bad input, not found, conflict), 2 for configuration, 3 otherwise. */
export function fail(err: unknown, json: boolean): never {
  if (err instanceof AdminError) {
    process.stderr.write(json ? JSON.stringify(err.toProblem()) + '\n' : `error: ${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof ConfigError || err instanceof MigrationError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  process.exit(3);
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => (Array.isArray(r[c]) ? (r[c] as unknown[]).join(' ') : String(r[c] ?? ''))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}
