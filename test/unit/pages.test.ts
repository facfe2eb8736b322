import { describe, expect, it } from 'vitest';
import { stylesheet, STYLESHEET_PATH } from '../../src/http/pages/assets.js';
import { GRANTRY_CSS } from '../../src/http/pages/grantry-css.js';
import { html, raw, SafeHtml } from '../../src/http/pages/html.js';
import { contentSecurityPolicy, formActionSource, page, pageHeaders, safeImageUrl } from '../../src/http/pages/layout.js';
import {
  consentPage,
  decoupledRequestsPage,
  errorPage,
  setupDonePage,
  setupPasswordPage,
  signedInPage,
  signInPage,
  type ConsentPageOptions,
  type DecoupledRequest,
} from '../../src/http/pages/views.js';

const EVIL = '<script>alert(1)</script>';
const QUOTED = `Say "yes" & it's <b>done</b>`;

const evilApp = { name: EVIL, logoUrl: 'https://cdn.example/logo.png', ownerName: `Owner ${EVIL}` };

const scopes = [
  { scope: 'payments:create', description: 'Create payments on your behalf' },
  { scope: 'payments:read', description: `Read your payments ${EVIL}` },
];

function consent(overrides: Partial<ConsentPageOptions> = {}): string {
  return consentPage({
    action: '/oauth/authorize/decision?x=1&y="2"',
    csrf: 'csrf-token-1',
    hidden: { client_id: 'app_1', state: `"><script>x</script>`, redirect_uri: 'https://client.example/cb' },
    app: evilApp,
    user: { email: `me+${EVIL}@example.com` },
    scopes,
    organizations: [{ id: 'org_1', name: 'Acme' }],
    signOutAction: '/signout',
    ...overrides,
  });
}

const request = (id: string, overrides: Partial<DecoupledRequest> = {}): DecoupledRequest => ({
  id,
  app: evilApp,
  scopes,
  bindingMessage: QUOTED,
  createdAt: Date.UTC(2025, 0, 1, 12, 0),
  expiresAt: Date.UTC(2025, 0, 1, 12, 5),
  organizations: [{ id: 'org_1', name: 'Acme' }],
  ...overrides,
});

const allPages = () => ({
  signIn: signInPage({ action: '/signin?request=abc', csrf: 'c', email: EVIL, error: EVIL, app: evilApp }),
  signInPlain: signInPage({ action: '/signin', csrf: 'c' }),
  consent: consent(),
  consentMany: consent({ organizations: [{ id: 'org_1', name: 'Acme' }, { id: 'org_2', name: EVIL }] }),
  error: errorPage({ title: EVIL, message: QUOTED }),
  setup: setupPasswordPage({ action: '/setup?t=1', csrf: 'c', email: EVIL, error: EVIL }),
  setupDone: setupDonePage({ email: EVIL, signInUrl: '/signin' }),
  decoupled: decoupledRequestsPage({
    user: { email: EVIL },
    csrf: 'c',
    requests: [request('r1'), request('r2', { organizations: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }], bindingMessage: null })],
    actionFor: (id) => `/ciba/requests/${id}`,
    signOutAction: '/signout',
    notice: EVIL,
    now: Date.UTC(2025, 0, 1, 12, 1),
  }),
  decoupledEmpty: decoupledRequestsPage({ user: { email: 'a@example.com' }, csrf: 'c', requests: [], actionFor: (id) => `/x/${id}`, signOutAction: '/signout' }),
  signedIn: signedInPage({ user: { email: EVIL }, csrf: 'c', signOutAction: '/signout', links: [{ href: '/a?b=1&c="2"', label: EVIL }] }),
});

describe('html', () => {
  it('escapes interpolated text, including both quote characters', () => {
    expect(html`<p title="${`"'`}">${'<b>&'}</p>`.value).toBe('<p title="&quot;&#39;">&lt;b&gt;&amp;</p>');
  });

  it('does not double-escape nested fragments or arrays of them', () => {
    const items = ['<a>', 'b&c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>');
    expect(html`${html`${'&'}`}`.value).toBe('&amp;');
  });

  it('renders null, undefined and booleans as nothing, numbers as text', () => {
    expect(html`${null}${undefined}${false}${true}${12}`.value).toBe('12');
  });

  it('trusts raw() and SafeHtml only', () => {
    expect(html`${raw('&middot;')}`.value).toBe('&middot;');
    expect(new SafeHtml('<i>').toString()).toBe('<i>');
  });
});

describe('pages', () => {
  it('never emits a user-supplied string raw', () => {
    for (const [name, doc] of Object.entries(allPages())) {
      expect(doc, name).not.toContain(EVIL);
      expect(doc, name).not.toContain(QUOTED);
      expect(doc, name).not.toContain('"><script>');
    }
    const decoupled = allPages().decoupled;
    expect(decoupled).toContain('Say &quot;yes&quot; &amp; it&#39;s &lt;b&gt;done&lt;/b&gt;');
    expect(decoupled).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('has no script and no inline style anywhere', () => {
    for (const [name, doc] of Object.entries(allPages())) {
      expect(doc.toLowerCase(), name).not.toContain('<script');
      expect(doc.toLowerCase(), name).not.toMatch(/\sstyle\s*=/);
      expect(doc.toLowerCase(), name).not.toContain('<style');
      expect(doc.toLowerCase(), name).not.toMatch(/\son[a-z]+\s*=/);
      expect(doc.toLowerCase(), name).not.toContain('javascript:');
    }
  });

  it('is a full HTML5 document with the viewport, the stylesheet and the product header', () => {
    for (const [name, doc] of Object.entries(allPages())) {
      expect(doc.startsWith('<!DOCTYPE html>'), name).toBe(true);
      expect(doc, name).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(doc, name).toContain(`<link rel="stylesheet" href="${STYLESHEET_PATH}">`);
      expect(doc, name).toContain('>Grantry</span>');
      expect(doc.trimEnd().endsWith('</html>'), name).toBe(true);
    }
  });

  it('labels every visible input and select', () => {
    for (const [name, doc] of Object.entries(allPages())) {
      const controls = [...doc.matchAll(/<(?:input|select)\b([^>]*)>/g)].map((m) => m[1]!).filter((attrs) => !/type="hidden"|\shidden[\s>]/.test(attrs));
      for (const attrs of controls) {
        const id = /\sid="([^"]+)"/.exec(attrs)?.[1];
        expect(id, `${name}: ${attrs}`).toBeDefined();
        expect(doc, name).toContain(`<label for="${id}">`);
      }
    }
  });

  it('sign-in page has the fields, csrf and the application it continues to', () => {
    const doc = signInPage({ action: '/signin?request=a&b=c', csrf: 'tok', email: 'me@example.com', app: { name: 'Books', logoUrl: null, ownerName: 'Partner' } });
    expect(doc).toContain('action="/signin?request=a&amp;b=c"');
    expect(doc).toContain('<input type="hidden" name="csrf" value="tok">');
    expect(doc).toContain('autocomplete="username"');
    expect(doc).toContain('autocomplete="current-password"');
    expect(doc).toContain('value="me@example.com"');
    expect(doc).toContain('to continue to <strong>Books</strong>');
    expect(doc).toContain('>Sign in</button>');
    expect(doc).not.toContain('<img');
    expect(signInPage({ action: '/signin', csrf: 't' })).not.toContain('to continue to');
  });

  it('consent page names the app, its owner, every scope and posts the request back', () => {
    const doc = consent();
    expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt; wants access');
    expect(doc).toContain('Owner &lt;script&gt;');
    for (const s of scopes) {
      expect(doc).toContain(html`${s.description}`.value);
      expect(doc).toContain(`<code class="scope-name">${s.scope}</code>`);
    }
    expect(doc).toContain('<input type="hidden" name="client_id" value="app_1">');
    expect(doc).toContain('<input type="hidden" name="state" value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">');
    expect(doc).toContain('name="decision" value="approve"');
    expect(doc).toContain('>Allow access</button>');
    expect(doc).toContain('name="decision" value="deny"');
    expect(doc).toContain('<form method="post" action="/signout">');
    expect(doc).toContain('Not you? Sign out');
    expect(doc).toContain('<img class="app-logo" src="https://cdn.example/logo.png"');
  });

  it('consent page shows a select only for several organizations', () => {
    const one = consent();
    expect(one).not.toContain('<select');
    expect(one).toContain('<input type="hidden" name="organization_id" value="org_1">');
    expect(one).toContain('<strong>Acme</strong>');

    const many = consent({ organizations: [{ id: 'org_1', name: 'Acme' }, { id: 'org_2', name: 'Globex' }] });
    expect(many).toContain('<select id="organization_id" name="organization_id" required>');
    expect(many).toContain('<option value="" disabled selected>Choose an organization</option><option value="org_1">Acme</option><option value="org_2">Globex</option>');
    // Denying must not require choosing an organization first.
    expect(many).toContain('value="deny" class="button secondary" formnovalidate>');
    expect(many).not.toContain('type="hidden" name="organization_id"');
  });

  it('consent page does not let request parameters shadow its own fields', () => {
    const doc = consent({ hidden: { csrf: 'forged', decision: 'approve', organization_id: 'org_x', scope: 'payments:read' } });
    expect(doc.match(/name="csrf"/g)).toHaveLength(2); // the decision form and the sign-out form
    expect(doc).not.toContain('forged');
    expect(doc).not.toContain('org_x');
    expect(doc).toContain('<input type="hidden" name="scope" value="payments:read">');
  });

  it('decoupled requests page shows each request with its binding message and own form', () => {
    const doc = allPages().decoupled;
    expect(doc).toContain('Check that your other device shows:');
    expect(doc).toContain('<form method="post" action="/ciba/requests/r1">');
    expect(doc).toContain('<form method="post" action="/ciba/requests/r2">');
    expect(doc).toContain('<input type="hidden" name="organization_id" value="org_1">');
    expect(doc).toContain('<select id="organization_id-1" name="organization_id" required>');
    expect(doc.match(/value="approve"/g)).toHaveLength(2);
    expect(doc.match(/value="deny"/g)).toHaveLength(2);
    expect(doc).toContain('expires in 4 minutes');
    expect(doc).toContain('2025-01-01 12:00 UTC');
    expect(doc).not.toContain('No requests are waiting for you.');
    expect(allPages().decoupledEmpty).toContain('No requests are waiting for you.');
  });

  it('setup and account pages', () => {
    const setup = allPages().setup;
    expect(setup.match(/minlength="12"/g)).toHaveLength(2);
    expect(setup).toContain('name="password_confirmation"');
    expect(setup.match(/autocomplete="new-password"/g)).toHaveLength(2);
    expect(allPages().setupDone).toContain('href="/signin"');
    expect(allPages().signedIn).toContain('href="/a?b=1&amp;c=&quot;2&quot;"');
  });

  it('only shows https and inline raster logos', () => {
    expect(safeImageUrl('https://cdn.example/l.png')).toBe('https://cdn.example/l.png');
    expect(safeImageUrl('data:image/png;base64,iVBORw0KGgo=')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(safeImageUrl('http://cdn.example/l.png')).toBeNull();
    expect(safeImageUrl('javascript:alert(1)')).toBeNull();
    expect(safeImageUrl('data:text/html;base64,PHA+')).toBeNull();
    expect(safeImageUrl(null)).toBeNull();
    expect(page({ title: 't', body: html`b`, appLogoUrl: 'javascript:alert(1)' })).not.toContain('<img');
  });
});

describe('contentSecurityPolicy', () => {
  it('forbids scripts, inline styles and framing', () => {
    expect(contentSecurityPolicy({})).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  it('adds the client redirect targets to form-action, once each', () => {
    const csp = contentSecurityPolicy({ formActions: ['https://client.example', 'com.example.app:', 'https://client.example'] });
    expect(csp).toContain("form-action 'self' https://client.example com.example.app:;");
    expect(csp).not.toContain('script-src');
  });

  it('refuses a source that would add or change a directive', () => {
    expect(() => contentSecurityPolicy({ formActions: ["https://a.example; script-src 'unsafe-inline'"] })).toThrow(TypeError);
    expect(() => contentSecurityPolicy({ formActions: ['https://a.example,https://b.example'] })).toThrow(TypeError);
    expect(() => contentSecurityPolicy({ formActions: [''] })).toThrow(TypeError);
  });

  it('derives the form-action source from a redirect URI', () => {
    expect(formActionSource('https://client.example:8443/cb?x=1')).toBe('https://client.example:8443');
    expect(formActionSource('http://127.0.0.1:51234/cb')).toBe('http://127.0.0.1:51234');
    expect(formActionSource('com.example.app:/oauth2redirect')).toBe('com.example.app:');
    expect(formActionSource('not a uri')).toBeNull();
  });

  it('page headers carry the policy and forbid caching', () => {
    const headers = pageHeaders({ formActions: ['https://client.example'] });
    expect(headers['content-security-policy']).toContain('https://client.example');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
  });
});

describe('stylesheet', () => {
  it('serves the embedded CSS with a stable strong ETag', () => {
    const a = stylesheet();
    expect(a.body).toBe(GRANTRY_CSS);
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(stylesheet().etag).toBe(a.etag);
    expect(a.body).toContain('prefers-color-scheme: dark');
    expect(a.body).toContain(':focus-visible');
  });

  it('defines every class the pages use', () => {
    const used = new Set<string>();
    for (const doc of Object.values(allPages())) {
      for (const m of doc.matchAll(/class="([^"]+)"/g)) for (const c of m[1]!.split(/\s+/)) used.add(c);
    }
    for (const c of used) expect(GRANTRY_CSS, c).toContain(`.${c}`);
  });
});
