import { STYLESHEET_PATH } from './assets.js';
import { html, raw, type SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** The client application's logo, shown above the card on pages that act for one application. */
  appLogoUrl?: string | null;
}

/**
 * A logo URL we are willing to put in `<img src>`. Logos are registered by partners, so only https:
 * (which the CSP's img-src also allows) and inline raster images pass; anything else is dropped rather
 * than left for the browser to refuse, so a bad registration costs a missing logo, not a CSP report.
 */
export function safeImageUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  if (/^data:image\/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/=]+$/.test(url)) return url;
  try {
    return new URL(url).protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** The `<img>` of an application's logo, or nothing. alt is empty: the name is always written beside it. */
export function appLogo(url: string | null | undefined, className = 'app-logo'): SafeHtml {
  const src = safeImageUrl(url);
  return src ? html`<img class="${className}" src="${src}" alt="" width="56" height="56" referrerpolicy="no-referrer">` : html``;
}

/**
 * A complete HTML5 document around a page body. No inline script or style anywhere: the pages are
 * served under `contentSecurityPolicy()`, which forbids both, and they must work without JavaScript.
 */
export function page(opts: PageOptions): string {
  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${opts.title} ${raw('&middot;')} Grantry</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header class="site-header"><span class="brand-mark" aria-hidden="true"></span><span class="brand">Grantry</span></header>
<main>
${appLogo(opts.appLogoUrl)}${opts.body}
</main>
</body>
</html>
`;
  return doc.value;
}

export interface ContentSecurityPolicyOptions {
  /**
   * Extra form-action sources, e.g. `https://client.example` or `com.example.app:`. Needed because
   * Chromium applies form-action to the redirect that answers a form POST, so the consent form's
   * redirect back to the client would be blocked by `'self'` alone. `formActionSource()` derives one
   * from a redirect URI.
   */
  formActions?: string[];
}

// A CSP source expression never contains whitespace, ';' or ',' (they separate directives and
// policies) or quotes (only keywords have them). Refusing those keeps a caller's value from adding
// or weakening a directive.
const UNSAFE_SOURCE = /[\s;,'"\u0000-\u001f\u007f]/;

/** The Content-Security-Policy header value for the HTML pages. */
export function contentSecurityPolicy(opts: ContentSecurityPolicyOptions = {}): string {
  const extra: string[] = [];
  for (const source of opts.formActions ?? []) {
    if (source === '' || UNSAFE_SOURCE.test(source)) throw new TypeError(`not a CSP source expression: ${JSON.stringify(source)}`);
    if (source !== "'self'" && !extra.includes(source)) extra.push(source);
  }
  const formAction = ["'self'", ...extra].join(' ');
  return `default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

/**
 * The form-action source that lets a form's redirect reach `redirectUri`: its origin for http(s)
 * (`https://client.example:8443`), its scheme for a native app's private-use URI scheme
 * (`com.example.app:`). Null when the URI does not parse, so the caller can skip it.
 */
export function formActionSource(redirectUri: string): string | null {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return null;
  }
  const source = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  return source === 'null' || UNSAFE_SOURCE.test(source) ? null : source;
}

/**
 * Headers every HTML page response should carry: the CSP, no caching (the pages hold CSRF tokens and
 * personal data), no MIME sniffing and no referrer (authorization request URLs carry state).
 */
export function pageHeaders(opts: ContentSecurityPolicyOptions = {}): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': contentSecurityPolicy(opts),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}
