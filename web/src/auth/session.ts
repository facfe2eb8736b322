/**
 * Signing in to the console (docs/console.md): authorization code + PKCE S256 against Grantry's own
 * /oauth/authorize as the public client `grantry-console`. Tokens live in this module only, in memory:
 * never in localStorage or sessionStorage. The PKCE verifier and state are the only things kept in
 * sessionStorage, to survive the redirect to the sign-in page and back.
 */

export const CLIENT_ID = 'grantry-console';
export const SCOPE = 'grantry:console';
const PENDING_KEY = 'grantry-console:pkce';
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;

export interface Tokens {
  accessToken: string;
  refreshToken: string | null;
  /** epoch milliseconds */
  expiresAt: number;
}

interface PendingSignIn {
  verifier: string;
  state: string;
  returnTo: string;
}

let tokens: Tokens | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

export const redirectUri = (): string => `${window.location.origin}/console/callback`;

/** For useSyncExternalStore. */
export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const currentTokens = (): Tokens | null => tokens;

function setTokens(next: Tokens | null): void {
  tokens = next;
  clearTimeout(refreshTimer);
  if (next?.refreshToken) {
    // A minute ahead; a very short-lived token is refreshed at half its life.
    const life = next.expiresAt - Date.now();
    const wait = life > 2 * REFRESH_AHEAD_MS ? life - REFRESH_AHEAD_MS : life / 2;
    refreshTimer = setTimeout(() => void refresh(), Math.max(0, wait));
  }
  for (const l of listeners) l();
}

const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** A path inside the console to come back to (never another site). */
function safeReturnTo(value: string | undefined): string {
  return value && value.startsWith('/console/') && !value.startsWith('//') ? value : '/console/';
}

/** Sends the browser to Grantry's sign-in; a signed-in browser session comes straight back with a code. */
let redirecting = false;
let signingOut = false;

/** Whether the console is on its way out (no tokens, and no sign-in to start). */
export const isSigningOut = (): boolean => signingOut;

export async function startSignIn(returnTo = window.location.pathname + window.location.search): Promise<void> {
  // Once per page: the browser is leaving (React may ask twice).
  if (redirecting) return;
  redirecting = true;
  const pending: PendingSignIn = { verifier: randomString(), state: randomString(), returnTo: safeReturnTo(returnTo) };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL('/oauth/authorize', window.location.origin);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri(),
    scope: SCOPE,
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

export class SignInError extends Error {}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

async function tokenRequest(params: Record<string, string>): Promise<TokenResponse> {
  const res = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ ...params, client_id: CLIENT_ID }),
    credentials: 'omit',
  });
  const body = (await res.json().catch(() => ({}))) as TokenResponse;
  if (!res.ok || typeof body.access_token !== 'string') {
    throw new SignInError(body.error_description ? `${body.error_description} (${body.error})` : `the token endpoint answered ${res.status}`);
  }
  return body;
}

const tokensFrom = (body: TokenResponse, previousRefresh: string | null): Tokens => ({
  accessToken: body.access_token,
  // Rotation: a new refresh token replaces the old one, which is spent.
  refreshToken: body.refresh_token ?? previousRefresh,
  expiresAt: Date.now() + (body.expires_in ?? 300) * 1000,
});

let completing: Promise<string> | null = null;

/**
 * Finishes the sign-in at /console/callback: checks state, redeems the code with the verifier.
 * Returns where to go next. Runs once per page load (React may mount the callback twice).
 */
export function completeSignIn(search: string): Promise<string> {
  completing ??= (async () => {
    const params = new URLSearchParams(search);
    const raw = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    const pending = raw ? (JSON.parse(raw) as PendingSignIn) : null;
    if (!pending || params.get('state') !== pending.state) throw new SignInError('This sign-in link is stale or was opened in another tab. Sign in again.');
    const iss = params.get('iss');
    // RFC 9207: the answer names its issuer, which serves this console.
    if (iss !== null && iss.replace(/\/+$/, '') !== window.location.origin) throw new SignInError(`The sign-in answer came from ${iss}, not from this server.`);
    const error = params.get('error');
    if (error) throw new SignInError(params.get('error_description') ?? `Sign-in failed: ${error}`);
    const code = params.get('code');
    if (!code) throw new SignInError('The sign-in answer carried no authorization code.');
    const body = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: pending.verifier });
    setTokens(tokensFrom(body, null));
    return pending.returnTo;
  })();
  return completing;
}

/**
 * Rotates the refresh token for a new access token. One refresh at a time: the refresh token is
 * one-time use, and presenting it twice would revoke the whole family. False when the session is over.
 */
export function refresh(): Promise<boolean> {
  const current = tokens;
  if (!current?.refreshToken) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const body = await tokenRequest({ grant_type: 'refresh_token', refresh_token: current.refreshToken! });
      setTokens(tokensFrom(body, current.refreshToken));
      return true;
    } catch {
      setTokens(null);
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** The access token for an API call, refreshed first when it is about to expire; null when signed out. */
export async function accessToken(): Promise<string | null> {
  if (refreshing) await refreshing;
  if (tokens && tokens.expiresAt - Date.now() < 5_000) await refresh();
  return tokens?.accessToken ?? null;
}

/** Signed out or expired beyond refresh: sign in again through the browser session. */
export function sessionLost(): void {
  setTokens(null);
  void startSignIn();
}

/**
 * Signs out: revokes the refresh token (RFC 7009), forgets the tokens, and ends the browser session
 * with POST /logout. That form needs the CSRF token Grantry binds to its HttpOnly cookie and the
 * session, which only its own pages carry, so the token is read from the account page's sign-out form
 * (same origin) and the form is submitted as a navigation; if that page cannot be read, the browser
 * goes to the account page, where the person can sign out.
 */
export async function signOut(): Promise<void> {
  const refreshToken = tokens?.refreshToken;
  // The browser is leaving for the sign-out, not for a new sign-in.
  redirecting = true;
  signingOut = true;
  setTokens(null);
  if (refreshToken) {
    await fetch('/oauth/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID }),
      credentials: 'omit',
    }).catch(() => undefined);
  }
  let csrf: string | null = null;
  try {
    const page = await fetch('/account', { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (page.ok) {
      const doc = new DOMParser().parseFromString(await page.text(), 'text/html');
      const form = [...doc.querySelectorAll('form')].find((f) => (f.getAttribute('action') ?? '').split('?')[0] === '/logout');
      csrf = form?.querySelector<HTMLInputElement>('input[name="csrf"]')?.value ?? null;
    }
  } catch {
    csrf = null;
  }
  if (!csrf) {
    window.location.assign('/account');
    return;
  }
  const form = document.createElement('form');
  form.method = 'post';
  form.action = '/logout?return_to=%2Fconsole%2F';
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = 'csrf';
  input.value = csrf;
  form.append(input);
  document.body.append(form);
  form.submit();
}
