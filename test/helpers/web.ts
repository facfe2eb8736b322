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
