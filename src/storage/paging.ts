/**
 * Keyset pagination, shared by every storage port that lists (ports.ts and ports-*.ts import it from
 * here, so the ports never import each other in a circle).
 */
export interface PageRequest {
  limit: number;
  /** Return items whose id sorts after this one (keyset pagination). */
  after?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
