/**
 * Errors of the management API and the CLI, rendered as RFC 9457 problem documents. `type` is a
 * stable URN per kind so clients can branch on it; docs/errors.md lists them.
 */
export const PROBLEM_KINDS = {
  invalid_input: { status: 400, title: 'Invalid input' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal server error' },
} as const;

export type ProblemKind = keyof typeof PROBLEM_KINDS;

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

export class AdminError extends Error {
  readonly kind: ProblemKind;
  readonly errors: { field: string; message: string }[] | undefined;

  constructor(kind: ProblemKind, detail: string, errors?: { field: string; message: string }[]) {
    super(detail);
    this.name = 'AdminError';
    this.kind = kind;
    this.errors = errors;
  }

  get status(): number {
    return PROBLEM_KINDS[this.kind].status;
  }

  toProblem(): ProblemDocument {
    return problem(this.kind, this.message, this.errors);
  }
}

export function problem(kind: ProblemKind, detail: string, errors?: { field: string; message: string }[]): ProblemDocument {
  const { status, title } = PROBLEM_KINDS[kind];
  return { type: `urn:grantry:problem:${kind}`, title, status, detail, ...(errors ? { errors } : {}) };
}

export const invalid = (field: string, message: string): AdminError => new AdminError('invalid_input', `${field}: ${message}`, [{ field, message }]);
export const notFound = (what: string, id: string): AdminError => new AdminError('not_found', `${what} ${id} does not exist`);
