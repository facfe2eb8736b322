/** People who sign in: console users, members of organizations, and platform administrators. */

export const ROLES = ['owner', 'admin', 'developer'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may grant an application access to their organization (consent, decoupled approval). */
export const GRANTING_ROLES: readonly Role[] = ['owner', 'admin'];

export interface User {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  /** scrypt hash (crypto/password.ts); null until the user sets one through a setup link. */
  passwordHash: string | null;
  platformAdmin: boolean;
  status: 'active' | 'disabled';
  createdAt: number;
  updatedAt: number;
}

export interface Membership {
  userId: string;
  organizationId: string;
  role: Role;
  createdAt: number;
}

/** A signed-in browser: the cookie holds a random token, the database only its hash. */
export interface Session {
  hash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

/** One-time link to set a password (new user, or a reset by an administrator). */
export interface SetupToken {
  hash: string;
  userId: string;
  expiresAt: number;
  usedAt: number | null;
  createdAt: number;
}

export const SETUP_TOKEN_PREFIX = 'gsu_';
export const SESSION_PREFIX = 'gss_';

/** A deliberately simple shape check: the address is an identifier here, not a mailbox we write to. */
export function normalizeEmail(value: string): string | null {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return null;
  return email;
}
