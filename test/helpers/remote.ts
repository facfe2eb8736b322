import { basic, form } from './app.js';
import { cliJson } from './cli.js';
import { forms } from './web.js';

/** Clients for real `grantry serve` processes over HTTP (the soak and backup suites). */

export { until } from './net.js';

export interface HttpResult {
  status: number;
  text: string;
  json: () => any;
}

export async function post(url: string, body: Record<string, string>, authorization?: string): Promise<HttpResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: form(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

export type Call = (path: string, method?: string, body?: unknown, base?: string) => Promise<Record<string, any>>;

/**
 * `grantry init` against the database of `env`, then a management-API client (admin bearer token)
 * talking to `baseUrl` (or to `base` per call: any instance on the same database).
 */
export async function adminClient(baseUrl: string, env: Record<string, string>): Promise<{ call: Call; admin: { client_id: string; client_secret: string } }> {
  const admin = await cliJson<{ client_id: string; client_secret: string }>(['init'], env);
  const tokenRes = await post(`${baseUrl}/oauth/token`, { grant_type: 'client_credentials', scope: 'grantry:admin' }, basic(admin.client_id, admin.client_secret));
  if (tokenRes.status !== 200) throw new Error(`admin token: ${tokenRes.status} ${tokenRes.text}`);
  const token = tokenRes.json().access_token as string;
  const call: Call = async (path, method = 'GET', body, base = baseUrl) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, any>) : {};
  };
  return { call, admin };
}

export interface Page {
  status: number;
  location: string | null;
  body: string;
}

/** A browser over fetch for the server-rendered pages: keeps cookies, never follows redirects. */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async #send(path: string, init: RequestInit): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  }

  get(path: string): Promise<Page> {
    return this.#send(path, { method: 'GET' });
  }

  post(path: string, fields: Record<string, string>): Promise<Page> {
    return this.#send(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });
  }

  /** Submits the page's form (action, hidden fields with the CSRF token) with `fields` filled in. */
  submit(page: Page, fields: Record<string, string>, formIndex = 0): Promise<Page> {
    const f = forms(page.body)[formIndex];
    if (!f) throw new Error(`no form ${formIndex} on the page (${page.status}):\n${page.body.slice(0, 500)}`);
    return this.post(f.action, { ...f.hidden, ...fields });
  }
}

/**
 * The whole browser part of the authorization code flow against a real server: sign in as `user`,
 * approve for `organizationId`, and return the code from the redirect.
 */
export async function codeThroughConsent(base: string, authorizeQuery: Record<string, string>, user: { email: string; password: string }, organizationId: string): Promise<string> {
  const web = new HttpBrowser(base);
  const signIn = await web.get(`/oauth/authorize?${form(authorizeQuery)}`);
  if (signIn.status !== 200) throw new Error(`authorize: ${signIn.status} ${signIn.body.slice(0, 300)}`);
  const back = await web.submit(signIn, { email: user.email, password: user.password });
  if (back.status !== 303 || !back.location) throw new Error(`sign-in: ${back.status} ${back.body.slice(0, 300)}`);
  const consent = await web.get(back.location);
  if (consent.status !== 200) throw new Error(`consent page: ${consent.status} ${consent.body.slice(0, 300)}`);
  const approved = await web.submit(consent, { decision: 'approve', organization_id: organizationId });
  if (approved.status !== 303 || !approved.location) throw new Error(`consent: ${approved.status} ${approved.body.slice(0, 300)}`);
  const code = new URL(approved.location).searchParams.get('code');
  if (!code) throw new Error(`no code in ${approved.location}`);
  return code;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}
