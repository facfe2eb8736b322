import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import { OAuthError } from '../domain/oauth-error.js';
import type { User } from '../domain/user.js';
import { passwordProblem, hashPassword } from '../crypto/password.js';
import { appendAudit } from '../storage/audit.js';
import {
  checkAuthorizationRequest,
  errorRedirect,
  issueAuthorizationCode,
  readAuthorizationParams,
  redirectWith,
  AUTHORIZATION_PARAMS,
  type AuthorizationRequest,
} from '../protocol/authorize.js';
import { csrfToken, csrfValid, sessionUser, signIn, signOut, type SessionDeps } from '../protocol/sessions.js';
import { grantingOrganizations } from '../protocol/granting.js';
import type { Organization } from '../domain/organization.js';
import type { Runtime } from '../runtime.js';
import { registerFormParser } from './oauth-routes.js';
import { formActionSource, pageHeaders } from './pages/layout.js';
import { STYLESHEET_PATH, stylesheet } from './pages/assets.js';
import { consentPage, decoupledRequestsPage, errorPage, setupDonePage, setupPasswordPage, signedInPage, signInPage, type AppSummary, type DecoupledRequest as DecoupledCard } from './pages/views.js';
import { decideDecoupledRequest, listDecoupledRequests, type DecoupledRequestView } from '../admin/decoupled.js';
import { AdminError } from '../admin/problem.js';

const SESSION_COOKIE = 'grantry_session';
const CSRF_COOKIE = 'grantry_csrf';

/** A path on this server to come back to after sign-in; anything else (another host, `//x`, `/\x`) is dropped. */
function safeReturnTo(value: unknown, fallback = '/account'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.length > 4096) return fallback;
  return value;
}

const pathWithQuery = (path: string, query: Record<string, string>): string => `${path}?${new URLSearchParams(query).toString()}`;

/**
 * The pages people see: sign-in, the authorization endpoint's consent, password setup and the
 * account page. Server-rendered, no JavaScript, a strict CSP (pages/layout.ts), and every form
 * carries a CSRF token bound to an HttpOnly cookie and to the session.
 */
export async function browserRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  await app.register(cookie);
  registerFormParser(app);

  const deps: SessionDeps = { stores: rt.stores, clock: rt.clock, random: rt.random, hasher: rt.hasher, config: rt.config };
  // Secure cookies outside development (http://localhost in development would drop them).
  const secure = rt.config.production || rt.config.issuer.startsWith('https:');
  const issuerOrigin = new URL(rt.config.issuer).origin;

  // Browser-session cookies (no Max-Age): the server decides how long a session lives. SameSite=Lax,
  // not Strict: the authorization request arrives as a top-level navigation from the client's site,
  // and the session must come with it.
  const setCookie = (reply: FastifyReply, name: string, value: string) => reply.setCookie(name, value, { httpOnly: true, secure, sameSite: 'lax', path: '/' });

  /** The CSRF cookie of this browser, created on first sight. */
  const csrfCookie = (req: FastifyRequest, reply: FastifyReply): string => {
    const existing = req.cookies[CSRF_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
    const fresh = rt.random.token(32);
    setCookie(reply, CSRF_COOKIE, fresh);
    req.cookies[CSRF_COOKIE] = fresh;
    return fresh;
  };
  const csrfFor = (req: FastifyRequest, reply: FastifyReply, session: string | undefined) => csrfToken(rt.hasher, csrfCookie(req, reply), session);

  /**
   * A state-changing form must come from our own pages: the token matches, and a browser that says
   * where the request comes from (Origin, Sec-Fetch-Site) says it is this site.
   */
  const checkForm = (req: FastifyRequest, session: string | undefined): boolean => {
    const body = (req.body ?? {}) as Record<string, string>;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== issuerOrigin && origin !== 'null') return false;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    return csrfValid(rt.hasher, body.csrf, req.cookies[CSRF_COOKIE], session);
  };

  const send = (reply: FastifyReply, status: number, doc: string, formActions: string[] = []) => reply.code(status).headers(pageHeaders({ formActions })).send(doc);
  const fail = (reply: FastifyReply, status: number, title: string, message: string) => send(reply, status, errorPage({ title, message }));
  const forbidden = (reply: FastifyReply) => fail(reply, 403, 'This form has expired', 'Go back, reload the page and try again.');

  const currentUser = async (req: FastifyRequest): Promise<{ user: User; session: string } | null> => {
    const session = req.cookies[SESSION_COOKIE];
    const user = await sessionUser(deps, session);
    return user && session ? { user, session } : null;
  };

  const appSummary = async (request: AuthorizationRequest): Promise<AppSummary> => {
    const owner = await rt.stores.organizations.get(request.app.organizationId);
    return { name: request.app.name, logoUrl: request.app.logoUri, ownerName: owner?.name ?? 'unknown' };
  };

  const renderSignIn = (req: FastifyRequest, reply: FastifyReply, returnTo: string, opts: { status?: number; email?: string; error?: string | null; app?: AppSummary | null } = {}) =>
    send(reply, opts.status ?? 200, signInPage({ action: pathWithQuery('/login', { return_to: returnTo }), csrf: csrfFor(req, reply, undefined), email: opts.email ?? '', error: opts.error ?? null, app: opts.app ?? null }));

  app.get(STYLESHEET_PATH, { schema: { hide: true } }, (req, reply) => {
    const { body, etag } = stylesheet();
    reply.header('etag', etag).header('cache-control', 'public, max-age=3600');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('text/css; charset=utf-8').send(body);
  });

  // RFC 6749 §4.1.1: the authorization request.
  app.get('/oauth/authorize', { schema: { hide: true } }, async (req, reply) => {
    const search = new URL(req.url, 'http://localhost').searchParams;
    const { params, repeated } = readAuthorizationParams(search);
    const check = await checkAuthorizationRequest(params, repeated, rt.tokenDeps);
    if (!check.ok) {
      if (check.redirect) return reply.redirect(errorRedirect(check.redirect, check.error, rt.config.issuer), 303);
      return fail(reply, 400, 'This link cannot be used', `The application sent an invalid request: ${check.error.message}.`);
    }
    const { request } = check;
    const redirect = { uri: request.redirectUri, state: request.state };
    const signedIn = await currentUser(req);
    if (!signedIn || request.prompt === 'login') {
      if (request.prompt === 'none') return reply.redirect(errorRedirect(redirect, new OAuthError('login_required', 'the user is not signed in'), rt.config.issuer), 303);
      // After signing in, come back without prompt=login, or the sign-in page would return forever.
      const back = { ...params };
      if (back.prompt === 'login') delete back.prompt;
      if (signedIn) await signOut(deps, signedIn.session);
      return renderSignIn(req, reply, pathWithQuery('/oauth/authorize', back), { app: await appSummary(request) });
    }
    if (request.firstParty) {
      // The platform's own application acts for the person who signed in: nothing to consent to.
      const code = await issueAuthorizationCode(rt.stores, rt.tokenDeps, request, { userId: signedIn.user.id, organizationId: request.app.organizationId });
      return reply.redirect(redirectWith(request.redirectUri, rt.config.issuer, { code, state: request.state }), 303);
    }
    const orgs = await grantingOrganizations(rt.stores, signedIn.user);
    if (orgs.length === 0) {
      return reply.redirect(errorRedirect(redirect, new OAuthError('access_denied', 'the signed-in user cannot grant access for any merchant organization'), rt.config.issuer), 303);
    }
    if (request.prompt === 'none') return promptNone(reply, request, signedIn.user, orgs);
    return renderConsent(req, reply, request, params, signedIn, orgs);
  });

  /** prompt=none: no page may be shown, so only an existing grant that covers the request passes. */
  const promptNone = async (reply: FastifyReply, request: AuthorizationRequest, user: User, orgs: Organization[]) => {
    const redirect = { uri: request.redirectUri, state: request.state };
    const covering = [];
    for (const org of orgs) {
      const installation = await rt.stores.installations.findActive(org.id, request.app.id);
      if (installation && request.scopes.every((s) => installation.scopes.includes(s))) covering.push(org);
    }
    if (covering.length !== 1) return reply.redirect(errorRedirect(redirect, new OAuthError('consent_required', 'the user must approve this request'), rt.config.issuer), 303);
    const code = await issueAuthorizationCode(rt.stores, rt.tokenDeps, request, { userId: user.id, organizationId: covering[0]!.id });
    return reply.redirect(redirectWith(request.redirectUri, rt.config.issuer, { code, state: request.state }), 303);
  };

  const renderConsent = async (req: FastifyRequest, reply: FastifyReply, request: AuthorizationRequest, params: Record<string, string>, signedIn: { user: User; session: string }, orgs: Organization[]) => {
    const catalogue = await rt.stores.scopes.getMany(request.scopes);
    const scopes = request.scopes.map((scope) => ({ scope, description: catalogue.find((c) => c.scope === scope)?.description || scope }));
    const formAction = formActionSource(request.redirectUri);
    return send(
      reply,
      200,
      consentPage({
        action: '/oauth/authorize',
        csrf: csrfFor(req, reply, signedIn.session),
        hidden: params,
        app: await appSummary(request),
        user: { email: signedIn.user.email },
        scopes,
        organizations: orgs.map((o) => ({ id: o.id, name: o.name })),
        signOutAction: pathWithQuery('/logout', { return_to: pathWithQuery('/oauth/authorize', params) }),
      }),
      formAction ? [formAction] : [],
    );
  };

  // The consent form: the original request comes back as hidden fields and is checked again whole.
  app.post('/oauth/authorize', { schema: { hide: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const params: Record<string, string> = Object.create(null);
    for (const key of AUTHORIZATION_PARAMS) if (body[key] !== undefined) params[key] = body[key];
    const check = await checkAuthorizationRequest(params, null, rt.tokenDeps);
    if (!check.ok) {
      if (check.redirect) return reply.redirect(errorRedirect(check.redirect, check.error, rt.config.issuer), 303);
      return fail(reply, 400, 'This link cannot be used', `The application sent an invalid request: ${check.error.message}.`);
    }
    const { request } = check;
    const signedIn = await currentUser(req);
    if (!signedIn) return renderSignIn(req, reply, pathWithQuery('/oauth/authorize', params), { app: await appSummary(request), error: 'Your session ended. Sign in again to continue.' });
    if (!checkForm(req, signedIn.session)) return forbidden(reply);
    const redirect = { uri: request.redirectUri, state: request.state };
    if (body.decision !== 'approve') {
      return reply.redirect(errorRedirect(redirect, new OAuthError('access_denied', 'the user denied the request'), rt.config.issuer), 303);
    }
    const orgs = await grantingOrganizations(rt.stores, signedIn.user);
    const org = orgs.find((o) => o.id === body.organization_id);
    if (!org) return renderConsent(req, reply, request, params, signedIn, orgs);
    const code = await issueAuthorizationCode(rt.stores, rt.tokenDeps, request, { userId: signedIn.user.id, organizationId: org.id });
    // RFC 6749 §4.1.2 with RFC 9207: code, state and iss in the query of the redirect URI.
    return reply.redirect(redirectWith(request.redirectUri, rt.config.issuer, { code, state: request.state }), 303);
  });

  app.get('/login', { schema: { hide: true } }, async (req, reply) => {
    const returnTo = safeReturnTo((req.query as Record<string, unknown>).return_to);
    if (await currentUser(req)) return reply.redirect(returnTo, 303);
    return renderSignIn(req, reply, returnTo);
  });

  app.post('/login', { schema: { hide: true } }, async (req, reply) => {
    const returnTo = safeReturnTo((req.query as Record<string, unknown>).return_to);
    const body = (req.body ?? {}) as Record<string, string>;
    const email = (body.email ?? '').slice(0, 254);
    if (!checkForm(req, undefined)) return renderSignIn(req, reply, returnTo, { status: 403, email, error: 'The form expired. Please sign in again.' });
    if (!body.email || !body.password) return renderSignIn(req, reply, returnTo, { status: 400, email, error: 'Enter your email and password.' });
    const result = await signIn(deps, { email: body.email, password: body.password.slice(0, 1024), ip: req.ip });
    if (!result.ok) {
      if (result.reason === 'throttled') {
        reply.header('retry-after', String(result.retryAfterSeconds));
        const minutes = Math.ceil(result.retryAfterSeconds / 60);
        return renderSignIn(req, reply, returnTo, { status: 429, email, error: `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` });
      }
      return renderSignIn(req, reply, returnTo, { status: 401, email, error: 'The email or password is not correct.' });
    }
    // A new session id at every sign-in (session fixation, OWASP).
    await signOut(deps, req.cookies[SESSION_COOKIE]);
    setCookie(reply, SESSION_COOKIE, result.sessionToken);
    return reply.redirect(returnTo, 303);
  });

  app.post('/logout', { schema: { hide: true } }, async (req, reply) => {
    const session = req.cookies[SESSION_COOKIE];
    if (!checkForm(req, session)) return forbidden(reply);
    await signOut(deps, session);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    const returnTo = safeReturnTo((req.query as Record<string, unknown>).return_to, '/login');
    return reply.redirect(returnTo, 303);
  });

  // One-time password setup links (`grantry users create` without --password, or a reset).
  app.get('/setup', { schema: { hide: true } }, async (req, reply) => {
    const token = String((req.query as Record<string, unknown>).token ?? '');
    const userId = token ? await rt.stores.users.peekSetupToken(rt.hasher.hash(token), rt.clock.now()) : null;
    const user = userId ? await rt.stores.users.get(userId) : null;
    if (!user) return fail(reply, 400, 'This link cannot be used', 'The link is invalid, has expired or was already used. Ask an administrator for a new one.');
    return send(reply, 200, setupPasswordPage({ action: pathWithQuery('/setup', { token }), csrf: csrfFor(req, reply, undefined), email: user.email }));
  });

  app.post('/setup', { schema: { hide: true } }, async (req, reply) => {
    const token = String((req.query as Record<string, unknown>).token ?? '');
    const hash = token ? rt.hasher.hash(token) : '';
    const now = rt.clock.now();
    const userId = hash ? await rt.stores.users.peekSetupToken(hash, now) : null;
    const user = userId ? await rt.stores.users.get(userId) : null;
    if (!user) return fail(reply, 400, 'This link cannot be used', 'The link is invalid, has expired or was already used. Ask an administrator for a new one.');
    const body = (req.body ?? {}) as Record<string, string>;
    const again = (status: number, error: string) => send(reply, status, setupPasswordPage({ action: pathWithQuery('/setup', { token }), csrf: csrfFor(req, reply, undefined), email: user.email, error }));
    if (!checkForm(req, undefined)) return again(403, 'The form expired. Please try again.');
    const password = body.password ?? '';
    const problem = passwordProblem(password);
    if (problem) return again(400, `The password ${problem}.`);
    if (password !== body.password_confirmation) return again(400, 'The two passwords are not the same.');
    const passwordHash = await hashPassword(password);
    const done = await rt.stores.transaction(async (tx) => {
      // The link is spent in the same transaction that sets the password: used once, by one request.
      if ((await tx.users.consumeSetupToken(hash, now)) !== user.id) return false;
      await tx.users.update(user.id, { passwordHash, updatedAt: now });
      await tx.sessions.deleteForUser(user.id);
      await appendAudit(tx, rt.random, now, { actor: `user:${user.id}`, action: 'user.password_set', target: { type: 'user', id: user.id } });
      return true;
    });
    if (!done) return fail(reply, 400, 'This link cannot be used', 'The link was already used. Ask an administrator for a new one.');
    return send(reply, 200, setupDonePage({ email: user.email, signInUrl: '/login' }));
  });

  app.get('/account', { schema: { hide: true } }, async (req, reply) => {
    const signedIn = await currentUser(req);
    if (!signedIn) return reply.redirect(pathWithQuery('/login', { return_to: '/account' }), 303);
    return send(
      reply,
      200,
      signedInPage({
        user: { email: signedIn.user.email },
        csrf: csrfFor(req, reply, signedIn.session),
        signOutAction: '/logout',
        links: [{ href: '/account/requests', label: 'Requests waiting for your approval' }],
      }),
    );
  });

  // Decoupled (CIBA) requests waiting for this user: the approval side of /oauth/bc-authorize.
  const requestCards = async (user: User, items: DecoupledRequestView[]): Promise<DecoupledCard[]> => {
    const mine = await grantingOrganizations(rt.stores, user);
    const cards: DecoupledCard[] = [];
    for (const r of items) {
      const app = await rt.stores.applications.get(r.application_id);
      if (!app) continue;
      const owner = await rt.stores.organizations.get(app.organizationId);
      const catalogue = await rt.stores.scopes.getMany(r.scopes);
      const named = r.organization_id ? await rt.stores.organizations.get(r.organization_id) : null;
      // A platform administrator may see a request naming someone else: it is granted for one of theirs.
      const namedUser = !named && r.user_id && r.user_id !== user.id ? await rt.stores.users.get(r.user_id) : null;
      const choices = named ? [named] : namedUser ? await grantingOrganizations(rt.stores, namedUser) : mine;
      cards.push({
        id: r.id,
        app: { name: app.name, logoUrl: app.logoUri, ownerName: owner?.name ?? 'unknown' },
        scopes: r.scopes.map((scope) => ({ scope, description: catalogue.find((c) => c.scope === scope)?.description || scope })),
        bindingMessage: r.binding_message,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        // A request naming an organization is granted for it; one naming the user, for one of theirs.
        organizations: choices.map((o) => ({ id: o.id, name: o.name })),
      });
    }
    return cards;
  };

  const renderRequests = async (req: FastifyRequest, reply: FastifyReply, signedIn: { user: User; session: string }, status: number, notice: string | null) => {
    const page = await listDecoupledRequests(rt.tokenDeps, { kind: 'user', user: signedIn.user }, { status: 'pending', limit: 50 });
    return send(
      reply,
      status,
      decoupledRequestsPage({
        user: { email: signedIn.user.email },
        csrf: csrfFor(req, reply, signedIn.session),
        requests: await requestCards(signedIn.user, page.items),
        actionFor: (id) => `/account/requests/${encodeURIComponent(id)}`,
        signOutAction: '/logout',
        notice,
        now: rt.clock.now(),
      }),
    );
  };

  app.get('/account/requests', { schema: { hide: true } }, async (req, reply) => {
    const signedIn = await currentUser(req);
    if (!signedIn) return reply.redirect(pathWithQuery('/login', { return_to: '/account/requests' }), 303);
    const done = (req.query as Record<string, unknown>).done;
    const notice = done === 'approved' ? 'Approved. The application can now get its tokens.' : done === 'denied' ? 'Denied. The application was told.' : null;
    return renderRequests(req, reply, signedIn, 200, notice);
  });

  app.post('/account/requests/:id', { schema: { hide: true } }, async (req, reply) => {
    const signedIn = await currentUser(req);
    if (!signedIn) return reply.redirect(pathWithQuery('/login', { return_to: '/account/requests' }), 303);
    if (!checkForm(req, signedIn.session)) return forbidden(reply);
    const body = (req.body ?? {}) as Record<string, string>;
    const decision = body.decision === 'approve' ? 'approve' : 'deny';
    try {
      await decideDecoupledRequest(rt.tokenDeps, { kind: 'user', user: signedIn.user }, (req.params as { id: string }).id, decision, body.organization_id || undefined);
    } catch (err) {
      // Expired, decided elsewhere, or not this user's: say so on the list, which is current again.
      if (err instanceof AdminError) return renderRequests(req, reply, signedIn, err.kind === 'not_found' ? 404 : err.kind === 'invalid_input' ? 400 : 409, `That request could not be ${decision === 'approve' ? 'approved' : 'denied'}: ${err.message}.`);
      throw err;
    }
    // Post/redirect/get, so a reload does not send the decision again.
    return reply.redirect(`/account/requests?done=${decision === 'approve' ? 'approved' : 'denied'}`, 303);
  });

  // Errors in these routes are pages, not JSON.
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof OAuthError && err.code === 'invalid_request') return fail(reply, 400, 'The request is invalid', err.message);
    if ((err as { statusCode?: number }).statusCode === 413) return fail(reply, 413, 'The request is too large', 'Go back and try again.');
    req.log.error({ reqId: req.id, err }, 'unhandled error');
    return fail(reply, 500, 'Something went wrong', 'Grantry could not complete this request. Try again in a moment.');
  });

  // RFC 6749 §3.1: the authorization endpoint MUST support GET and MAY support POST (the consent form).
  app.route({ method: ['PUT', 'DELETE', 'PATCH'], url: '/oauth/authorize', schema: { hide: true }, handler: async (_req, reply) => reply.code(405).header('allow', 'GET, POST').send() });
}
