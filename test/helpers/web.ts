import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/crypto/password.js';
import { newId, cryptoRandom } from '../../src/domain/random.js';
import type { Role } from '../../src/domain/user.js';
import type { TestApp } from './app.js';

/** A browser for server-rendered pages over app.inject: keeps cookies, reads CSRF tokens from forms. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string> = {},
    /** The client address the server sees (per-address limits). */
    private readonly remoteAddress = '127.0.0.1',
  ) {}

  #remember(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  #cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.#remember(await this.app.inject({ method: 'GET', url, remoteAddress: this.remoteAddress, headers: { ...this.headers, ...this.#cookieHeader(), ...headers } }));
  }

  async post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.#remember(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.remoteAddress,
        headers: { ...this.headers, ...this.#cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** Submits the page's form (its action, hidden fields and CSRF token) with `fields` filled in. */
  async submit(page: LightMyRequestResponse, fields: Record<string, string>, formIndex = 0): Promise<LightMyRequestResponse> {
    const form = forms(page.body)[formIndex];
    if (!form) throw new Error(`no form ${formIndex} on the page:\n${page.body.slice(0, 500)}`);
    return this.post(form.action, { ...form.hidden, ...fields });
  }
}

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The forms of a page: action and hidden inputs (enough for our server-rendered pages). */
export function forms(htmlDoc: string): { action: string; hidden: Record<string, string> }[] {
  const out: { action: string; hidden: Record<string, string> }[] = [];
  for (const m of htmlDoc.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = decode(/action="([^"]*)"/.exec(m[1]!)?.[1] ?? '');
    const hidden: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input\b[^>]*>/g)) {
      const tag = input[0];
      if (!/type="hidden"/.test(tag)) continue;
      const name = /name="([^"]*)"/.exec(tag)?.[1];
      const value = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
      if (name) hidden[decode(name)] = decode(value);
    }
    out.push({ action, hidden });
  }
  return out;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/** A user with a password and a membership, written straight to the store. */
export async function createUser(t: TestApp, input: { organizationId?: string; role?: Role; email?: string; platformAdmin?: boolean } = {}): Promise<TestUser> {
  const now = t.clock.now();
  const id = newId('usr', now, cryptoRandom);
  const email = input.email ?? `${id}@example.com`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  await t.rt.stores.users.create(
    { id, email, name: 'Test User', passwordHash: await hashPassword(password), platformAdmin: input.platformAdmin ?? false, status: 'active', createdAt: now, updatedAt: now },
    input.organizationId ? [{ userId: id, organizationId: input.organizationId, role: input.role ?? 'owner', createdAt: now }] : [],
  );
  return { id, email, password };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The query parameters of a redirect's Location. */
export function redirectParams(res: LightMyRequestResponse): URLSearchParams {
  const location = res.headers.location;
  if (typeof location !== 'string') throw new Error(`not a redirect: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return new URL(location, 'http://grantry.test').searchParams;
}

/**
 * A person signs in to a first-party application (Grantry's console, or one like it) with the code
 * flow and PKCE S256: no consent page, straight back to the redirect URI with a code (303), then the
 * code redeemed by the public client. Returns the token endpoint's answer.
 */
export async function firstPartySignIn(
  app: FastifyInstance,
  client: { clientId: string; redirectUri: string },
  user: Pick<TestUser, 'email' | 'password'>,
  extra: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const { verifier, challenge } = pkce();
  const web = new WebClient(app);
  const query = new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: client.redirectUri, scope: 'grantry:console', state: 'x', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  const signIn = await web.get(`/oauth/authorize?${query}`);
  const back = await web.submit(signIn, { email: user.email, password: user.password });
  const callback = await web.get(back.headers.location as string);
  if (callback.statusCode !== 303) throw new Error(`a first-party sign-in must come straight back with a code: ${callback.statusCode} ${callback.body.slice(0, 300)}`);
  const code = redirectParams(callback).get('code');
  if (!code) throw new Error(`no code in ${String(callback.headers.location)}`);
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier, client_id: client.clientId }).toString(),
  });
}
