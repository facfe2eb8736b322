import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Page, PageRequest } from '../ports.js';

/** A condition no row meets: `x IN ()` is not valid SQL, so an empty id list filters with this. */
export const nothing = (): RawBuilder<SqlBool> => sql<SqlBool>`1 = 0`;

/** Fetches one row more than asked to know whether a next page exists. */
export function toPage<T>(rows: T[], page: PageRequest, key: (item: T) => string): Page<T> {
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > page.limit && last ? key(last) : null };
}
