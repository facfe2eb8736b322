import pg from 'pg';
import type { TestProject } from 'vitest/node';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
  }
}

/**
 * Finds the PostgreSQL server for the PostgreSQL suites. With CI=true a missing server fails the run;
 * elsewhere those suites are skipped, and this says so.
 */
export async function setup(project: TestProject): Promise<void> {
  const url = process.env.GRANTRY_TEST_PG_URL ?? DEFAULT_PG_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    project.provide('pgUrl', url);
  } catch (err) {
    const why = `PostgreSQL at ${url} is not reachable (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${why}: CI requires the PostgreSQL suites`);
    console.warn(`\n  ${why}: the PostgreSQL suites are SKIPPED. Start it, or set GRANTRY_TEST_PG_URL.\n`);
    project.provide('pgUrl', null);
  } finally {
    await client.end().catch(() => {});
  }
}
