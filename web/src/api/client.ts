import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { accessToken, refresh, sessionLost } from '../auth/session';

export type Schemas = components['schemas'];
type Json<P extends keyof paths, M extends 'get' | 'post' | 'patch', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Application = Json<'/api/v1/applications/{id}', 'get', 200>;
export type CreatedApplication = Json<'/api/v1/applications', 'post', 201>;
export type Secret = NonNullable<Application['secrets']>[number];
export type RotatedSecret = Json<'/api/v1/applications/{id}/secrets', 'post', 201>;
export type Scope = Json<'/api/v1/scopes', 'get', 200>['items'][number];
export type Organization = Json<'/api/v1/organizations', 'get', 200>['items'][number];
export type Subscription = Json<'/api/v1/applications/{id}/webhooks/{webhook_id}', 'get', 200>;
export type CreatedSubscription = Json<'/api/v1/applications/{id}/webhooks', 'post', 201>;
export type Delivery = Json<'/api/v1/webhook-deliveries/{id}', 'get', 200>;
export type Problem = Schemas['Problem'];

/** An error answer of the management API, in words (from its RFC 9457 problem document). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /**
   * Per-field messages of a 400 (`invalid_input`), to show beside the form fields. The first per field:
   * schema validation lists a nullable field's failed branches after the specific one ("must be <=
   * 1000", then "must be null", then "must match a schema in anyOf").
   */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem?.errors ?? []) out[e.field] ??= e.message;
    return out;
  }
}

const isProblem = (body: unknown): body is Problem =>
  typeof body === 'object' && body !== null && typeof (body as Problem).title === 'string' && typeof (body as Problem).detail === 'string';

/** A sentence for a failed call: what went wrong and, where it helps, what to do. */
export function describeFailure(status: number, body: unknown): string {
  const detail = isProblem(body) ? body.detail.replace(/^./, (c) => c.toUpperCase()) : null;
  switch (status) {
    case 400:
      return detail ? `${detail}.` : 'The request was not accepted: check the fields and try again.';
    case 401:
      return 'Your session has ended. Sign in again.';
    case 403:
      return `You are not allowed to do this${detail ? `: ${detail}` : ''}. Ask an owner or administrator of the organization.`;
    case 404:
      return detail ? `Not found: ${detail}.` : 'Not found: it may have been deleted, or you may not have access to it.';
    case 409:
      return detail ? `${detail}.` : 'This conflicts with the current state: reload and try again.';
    case 413:
      return 'The request is too large.';
    case 429:
      return 'Too many requests: wait a moment and try again.';
    default:
      return status >= 500
        ? `Grantry could not complete the request (error ${status})${detail ? `: ${detail}` : ''}. Try again in a moment.`
        : `The request failed (error ${status})${detail ? `: ${detail}` : ''}.`;
  }
}

async function toError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return new ApiError(describeFailure(response.status, body), response.status, isProblem(body) ? body : null);
}

/** Requests kept (unsent copies) so that one refused with 401 can be sent again after a refresh. */
const unsent = new Map<string, Request>();

/**
 * Adds the bearer token; on 401 refreshes once (rotation) and sends the request again; turns every
 * other error answer into an ApiError whose message is a sentence for the person.
 */
export const authMiddleware: Middleware = {
  async onRequest({ request, id }) {
    unsent.set(id, request.clone());
    const token = await accessToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ response, id }) {
    const copy = unsent.get(id);
    unsent.delete(id);
    let answer = response;
    if (answer.status === 401 && copy) {
      if (await refresh()) {
        copy.headers.set('authorization', `Bearer ${await accessToken()}`);
        answer = await fetch(copy);
      }
      if (answer.status === 401) {
        sessionLost();
        throw await toError(answer);
      }
    }
    if (!answer.ok) throw await toError(answer);
    return answer;
  },
  onError({ id }) {
    unsent.delete(id);
    return new Error('Grantry could not be reached. Check your connection and try again.');
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(authMiddleware);

/** The data of a successful call (errors have already been thrown by the middleware). */
export async function data<T>(call: Promise<{ data?: T; error?: unknown }>): Promise<T> {
  const { data } = await call;
  return data as T;
}

/** A message for anything thrown by a call. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
