import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { adminToken, api, buildTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';
import { merchantOrg } from '../helpers/installations.js';
import { WebClient, createUser } from '../helpers/web.js';

const REDIRECT = 'http://127.0.0.1:1/callback';

describe.each(DIALECTS)('a standard client library performs the code flow on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let issuer: string;
    let confidential: { client_id: string; client_secret: string };
    let spa: { client_id: string };
    let merchant: string;

    beforeAll(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      t = await buildTestApp(dialect, { issuer });
      const a = api(t.app, await adminToken(t));
      await a.post('/scopes', { scope: 'payments:read', description: 'See your payments' });
      const partner = (await a.post('/organizations', { type: 'partner', name: 'Partner' })).json().id;
      const app1 = (await a.post('/applications', { name: 'Server app', type: 'third_party', organization_id: partner, scopes: ['payments:read'], redirect_uris: [REDIRECT], refresh_policy: 'rotate' })).json();
      confidential = { client_id: app1.client_id, client_secret: app1.client_secret };
      const app2 = (await a.post('/applications', { name: 'SPA', type: 'public', organization_id: partner, scopes: ['payments:read'], redirect_uris: [REDIRECT] })).json();
      spa = { client_id: app2.client_id };
      merchant = await merchantOrg(a, 'Acme');
      await t.app.listen({ port, host: '127.0.0.1' });
    });
    afterAll(async () => t?.close());

    /** The user's part, in the browser: sign in and approve; returns the URL the client is sent back to. */
    async function userApproves(authorizationUrl: URL): Promise<URL> {
      const user = await createUser(t, { organizationId: merchant, role: 'owner' });
      const web = new WebClient(t.app);
      const signIn = await web.get(authorizationUrl.pathname + authorizationUrl.search);
      const back = await web.submit(signIn, { email: user.email, password: user.password });
      const consent = await web.get(back.headers.location as string);
      const approved = await web.submit(consent, { decision: 'approve', organization_id: merchant });
      return new URL(approved.headers.location as string);
    }

    for (const kind of ['confidential', 'public'] as const) {
      it(`oauth4webapi: discovery, PKCE, iss check (RFC 9207), code exchange and refresh, ${kind} client`, async () => {
        const opts = { [oauth.allowInsecureRequests]: true };
        const issuerUrl = new URL(issuer);
        const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...opts }));
        const client: oauth.Client = { client_id: kind === 'public' ? spa.client_id : confidential.client_id };
        const clientAuth = kind === 'public' ? oauth.None() : oauth.ClientSecretBasic(confidential.client_secret);

        const verifier = oauth.generateRandomCodeVerifier();
        const state = oauth.generateRandomState();
        const url = new URL(as.authorization_endpoint!);
        url.search = new URLSearchParams({
          client_id: client.client_id,
          redirect_uri: REDIRECT,
          response_type: 'code',
          scope: 'payments:read',
          state,
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }).toString();

        const callback = await userApproves(url);
        const params = oauth.validateAuthResponse(as, client, callback, state);
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT, verifier, opts);
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
        expect(tokens.token_type).toBe('bearer');
        expect(tokens.scope).toBe('payments:read');
        expect(tokens.refresh_token).toMatch(/^grt_/);

        const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, opts));
        expect(refreshed.access_token).not.toBe(tokens.access_token);
        expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

        // A response claiming another issuer is refused by the library: the iss parameter is there to check.
        const forged = new URL(callback);
        forged.searchParams.set('iss', 'https://evil.example');
        expect(() => oauth.validateAuthResponse(as, client, forged, state)).toThrow();
      });
    }
  });
});
