import type { DialectName } from '../../config/schema.js';
import type { Dialect } from './dialect.js';
import { headerV1 } from './header-v1.js';
import { authorizeV3 } from './authorize-v3.js';

/** Every dialect, by the name GRANTRY_DIALECTS uses. Adding one touches no grant. */
export const DIALECTS: Record<DialectName, Dialect> = {
  'header-v1': headerV1,
  'authorize-v3': authorizeV3,
};

export type { Dialect, DialectEndpoint, DialectRequest, StandardTokenRequest } from './dialect.js';
