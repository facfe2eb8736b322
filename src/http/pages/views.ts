import { html, type SafeHtml } from './html.js';
import { appLogo, page } from './layout.js';

/*
 * The server-rendered pages of the authorization-code flow, password setup and decoupled (CIBA)
 * approval. Each function is pure: it takes everything it shows, and returns a whole document to send
 * with `pageHeaders()`. Every caller-supplied value goes through `html`, so app names, scope
 * descriptions, binding messages, emails and errors are text, never markup, and form actions and hrefs
 * are escaped as attribute values. No JavaScript: every choice is a form field or a submit button.
 */

export interface AppSummary {
  name: string;
  logoUrl: string | null;
  ownerName: string;
}

export interface ScopeDescription {
  scope: string;
  description: string;
}

export interface OrganizationChoice {
  id: string;
  name: string;
}

const errorBanner = (error: string | null | undefined): SafeHtml =>
  error ? html`<div class="banner error" role="alert">${error}</div>` : html``;

const csrfInput = (csrf: string): SafeHtml => html`<input type="hidden" name="csrf" value="${csrf}">`;

const scopeList = (scopes: ScopeDescription[]): SafeHtml =>
  scopes.length === 0
    ? html`<p class="muted">No specific permissions: it will only know that you approved it.</p>`
    : html`<ul class="scopes">${scopes.map(
        (s) => html`<li><span class="scope-description">${s.description}</span><code class="scope-name">${s.scope}</code></li>`,
      )}</ul>`;

/**
 * The organization the grant is for. One: shown and sent as a hidden field, since there is nothing to
 * choose. Several: a required select that starts on an empty placeholder, so approving needs a
 * deliberate choice instead of silently granting whichever organization happens to be listed first
 * (the Deny buttons carry `formnovalidate` so denying never asks for one). `idSuffix` keeps label ids
 * unique when several forms share a page.
 */
function organizationField(organizations: OrganizationChoice[], idSuffix = ''): SafeHtml {
  const id = `organization_id${idSuffix}`;
  if (organizations.length === 0) return html``;
  if (organizations.length === 1) {
    const only = organizations[0]!;
    return html`<p>For organization <strong>${only.name}</strong></p><input type="hidden" name="organization_id" value="${only.id}">`;
  }
  return html`<div class="field"><label for="${id}">Organization</label><select id="${id}" name="organization_id" required><option value="" disabled selected>Choose an organization</option>${organizations.map(
    (o) => html`<option value="${o.id}">${o.name}</option>`,
  )}</select></div>`;
}

const signOutForm = (email: string, action: string, csrf: string): SafeHtml =>
  html`<div class="signout"><span>Signed in as <strong class="break">${email}</strong>.</span><form method="post" action="${action}">${csrfInput(csrf)}<button type="submit" class="link-button">Not you? Sign out</button></form></div>`;

export interface SignInPageOptions {
  /** The form's POST URL, including the query that carries the pending authorization request. */
  action: string;
  csrf: string;
  /** Prefilled after a failed attempt so the user only retypes the password. */
  email?: string;
  error?: string | null;
  /** The application the user is signing in for, when there is one. */
  app?: AppSummary | null;
}

export function signInPage(opts: SignInPageOptions): string {
  const app = opts.app ?? null;
  const body = html`<div class="card">
<h1>Sign in</h1>
${app ? html`<p class="lead">to continue to <strong>${app.name}</strong></p>` : html``}
${errorBanner(opts.error)}
<form method="post" action="${opts.action}">
${csrfInput(opts.csrf)}
<div class="field"><label for="email">Email</label><input type="email" id="email" name="email" value="${opts.email ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required${opts.email ? html`` : html` autofocus`}></div>
<div class="field"><label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required${opts.email ? html` autofocus` : html``}></div>
<div class="actions"><button type="submit" class="button primary block">Sign in</button></div>
</form>
</div>`;
  return page({ title: app ? `Sign in to continue to ${app.name}` : 'Sign in', body, appLogoUrl: app?.logoUrl ?? null });
}

export interface ConsentPageOptions {
  action: string;
  csrf: string;
  /** The original authorization request parameters, posted back unchanged as hidden inputs. */
  hidden: Record<string, string>;
  app: AppSummary;
  user: { email: string };
  scopes: ScopeDescription[];
  organizations: OrganizationChoice[];
  signOutAction: string;
}

export function consentPage(opts: ConsentPageOptions): string {
  // csrf, decision and organization_id are this form's own fields; a request parameter of the same
  // name must not shadow them (the first value would win in most form parsers).
  const reserved = new Set(['csrf', 'decision', 'organization_id']);
  const hidden = Object.entries(opts.hidden)
    .filter(([name]) => !reserved.has(name))
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  const body = html`<div class="card">
<h1 class="centered">${opts.app.name} wants access</h1>
<p class="lead centered">${opts.app.name} by <strong>${opts.app.ownerName}</strong> is asking to:</p>
${scopeList(opts.scopes)}
<form method="post" action="${opts.action}">
${csrfInput(opts.csrf)}
${hidden}
${organizationField(opts.organizations)}
<p class="small muted">Only allow access if you trust ${opts.app.name}. You can remove its access later.</p>
<div class="actions">
<button type="submit" name="decision" value="deny" class="button secondary" formnovalidate>Deny</button>
<button type="submit" name="decision" value="approve" class="button primary">Allow access</button>
</div>
</form>
${signOutForm(opts.user.email, opts.signOutAction, opts.csrf)}
</div>`;
  return page({ title: `Allow ${opts.app.name} access`, body, appLogoUrl: opts.app.logoUrl });
}

export interface ErrorPageOptions {
  title: string;
  message: string;
}

/** For failures that must not redirect to the client (unknown client, unregistered redirect URI). */
export function errorPage(opts: ErrorPageOptions): string {
  const body = html`<div class="card">
<h1>${opts.title}</h1>
<div class="banner error" role="alert">${opts.message}</div>
<p class="small muted">You can close this window and return to the application you came from.</p>
</div>`;
  return page({ title: opts.title, body });
}

export interface SetupPasswordPageOptions {
  action: string;
  csrf: string;
  email: string;
  error?: string | null;
}

/** Minimum password length; the form says it, the server must enforce it too. */
export const PASSWORD_MIN_LENGTH = 12;

export function setupPasswordPage(opts: SetupPasswordPageOptions): string {
  // The hidden email field has no name, so it is not posted: it only tells password managers which
  // account the new password belongs to.
  const body = html`<div class="card">
<h1>Choose a password</h1>
<p class="lead">for <strong class="break">${opts.email}</strong></p>
${errorBanner(opts.error)}
<form method="post" action="${opts.action}">
${csrfInput(opts.csrf)}
<input type="email" value="${opts.email}" autocomplete="username" hidden readonly aria-hidden="true">
<div class="field"><label for="password">New password</label><input type="password" id="password" name="password" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" required autofocus aria-describedby="password-hint"><div class="hint" id="password-hint">At least ${PASSWORD_MIN_LENGTH} characters.</div></div>
<div class="field"><label for="password_confirmation">Confirm new password</label><input type="password" id="password_confirmation" name="password_confirmation" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" required></div>
<div class="actions"><button type="submit" class="button primary block">Set password</button></div>
</form>
</div>`;
  return page({ title: 'Choose a password', body });
}

export interface SetupDonePageOptions {
  email: string;
  signInUrl: string;
}

export function setupDonePage(opts: SetupDonePageOptions): string {
  const body = html`<div class="card">
<h1>Password set</h1>
<div class="banner notice" role="status">Your password for <strong class="break">${opts.email}</strong> is set.</div>
<div class="actions"><a class="button primary block" href="${opts.signInUrl}">Sign in</a></div>
</div>`;
  return page({ title: 'Password set', body });
}

export interface DecoupledRequest {
  id: string;
  app: AppSummary;
  scopes: ScopeDescription[];
  /** The text the requesting device also shows, so the user can tell the two belong together. */
  bindingMessage: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  organizations: OrganizationChoice[];
}

export interface DecoupledRequestsPageOptions {
  user: { email: string };
  csrf: string;
  requests: DecoupledRequest[];
  /** The POST URL that decides request `id`. */
  actionFor: (id: string) => string;
  signOutAction: string;
  /** A one-line outcome of the previous action, e.g. "Request approved." */
  notice?: string | null;
  /** The clock for "expires in"; injectable so tests and renders are deterministic. */
  now?: number;
}

// Pages are rendered server-side without JavaScript, so times are stated relative to the render and in
// UTC for the absolute one: the server does not know the user's time zone.
function minutesLeft(expiresAt: number, now: number): string {
  const minutes = Math.max(0, Math.ceil((expiresAt - now) / 60_000));
  if (minutes <= 1) return 'less than a minute';
  return `${minutes} minutes`;
}

const utc = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

function decoupledCard(request: DecoupledRequest, opts: DecoupledRequestsPageOptions, index: number, now: number): SafeHtml {
  const headingId = `request-${index}-title`;
  return html`<section class="card" aria-labelledby="${headingId}">
<div class="app-heading">${appLogo(request.app.logoUrl, 'app-logo small-logo')}<h2 id="${headingId}">${request.app.name}</h2></div>
<p class="small muted">by ${request.app.ownerName} ${'\u00b7'} requested <time datetime="${new Date(request.createdAt).toISOString()}">${utc(request.createdAt)}</time> ${'\u00b7'} expires in ${minutesLeft(request.expiresAt, now)}</p>
${request.bindingMessage
  ? html`<div class="binding">Check that your other device shows:<strong class="binding-message">${request.bindingMessage}</strong></div>`
  : html`<p class="small muted">This request has no code to compare. Only approve it if you started it just now.</p>`}
<p>${request.app.name} is asking to:</p>
${scopeList(request.scopes)}
<form method="post" action="${opts.actionFor(request.id)}">
${csrfInput(opts.csrf)}
${organizationField(request.organizations, `-${index}`)}
<div class="actions">
<button type="submit" name="decision" value="deny" class="button secondary" formnovalidate>Deny</button>
<button type="submit" name="decision" value="approve" class="button primary">Approve</button>
</div>
</form>
</section>`;
}

export function decoupledRequestsPage(opts: DecoupledRequestsPageOptions): string {
  const now = opts.now ?? Date.now();
  const body = html`<h1>Requests waiting for you</h1>
${opts.notice ? html`<div class="banner notice" role="status">${opts.notice}</div>` : html``}
${opts.requests.length === 0
  ? html`<div class="card empty"><p>No requests are waiting for you.</p></div>`
  : opts.requests.map((r, i) => decoupledCard(r, opts, i, now))}
${signOutForm(opts.user.email, opts.signOutAction, opts.csrf)}`;
  return page({ title: 'Requests waiting for you', body });
}

export interface SignedInPageOptions {
  user: { email: string };
  csrf: string;
  signOutAction: string;
  links: { href: string; label: string }[];
}

export function signedInPage(opts: SignedInPageOptions): string {
  const body = html`<div class="card">
<h1>Your account</h1>
<p>Signed in as <strong class="break">${opts.user.email}</strong>.</p>
${opts.links.length > 0 ? html`<ul class="account-links">${opts.links.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>` : html``}
<form method="post" action="${opts.signOutAction}">
${csrfInput(opts.csrf)}
<button type="submit" class="button secondary block">Sign out</button>
</form>
</div>`;
  return page({ title: 'Your account', body });
}
