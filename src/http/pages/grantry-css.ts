/**
 * The one stylesheet of the sign-in, consent and account pages, served at /assets/grantry.css.
 *
 * It lives in a TypeScript constant rather than a .css file because the build is plain `tsc`, which
 * emits only .js: a .css file beside the sources would be missing from dist/. Keeping the text here
 * makes this the single source of truth and needs no copy step. The pages' CSP is `style-src 'self'`,
 * so every rule the pages need belongs here, never in a style attribute.
 */
export const GRANTRY_CSS = `/* Grantry sign-in and consent pages */
:root {
  color-scheme: light dark;
  --bg: #f4f5f7;
  --card: #ffffff;
  --text: #1b1f24;
  --muted: #5b6470;
  --border: #d8dce2;
  --field: #ffffff;
  --primary: #2952cc;
  --primary-hover: #1f3fa3;
  --primary-text: #ffffff;
  --secondary: #eef0f3;
  --secondary-hover: #e1e4e9;
  --focus: #6f92ff;
  --error-bg: #fdecec;
  --error-border: #e5a3a3;
  --error-text: #8a1c1c;
  --notice-bg: #eaf3ea;
  --notice-border: #a5cfa5;
  --notice-text: #1d5a1d;
  --highlight-bg: #fff6dc;
  --highlight-border: #e8cf7c;
  --radius: 10px;
}

@media (prefers-color-scheme: dark) {
  :root {
    --bg: #121418;
    --card: #1c1f25;
    --text: #e7e9ed;
    --muted: #9aa3ae;
    --border: #343a44;
    --field: #15181d;
    --primary: #5b7fff;
    --primary-hover: #7893ff;
    --primary-text: #0d1020;
    --secondary: #2a2f38;
    --secondary-hover: #353b46;
    --focus: #8ea8ff;
    --error-bg: #3a1d1f;
    --error-border: #7a3438;
    --error-text: #ffc9c9;
    --notice-bg: #1b3320;
    --notice-border: #3b6b43;
    --notice-text: #c6ecc9;
    --highlight-bg: #352d17;
    --highlight-border: #6e5b24;
  }
}

*, *::before, *::after { box-sizing: border-box; }

html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }

body {
  margin: 0;
  min-height: 100vh;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-size: 16px;
  line-height: 1.5;
}

.site-header {
  max-width: 420px;
  margin: 0 auto;
  padding: 24px 16px 12px;
  display: flex;
  align-items: center;
  gap: 8px;
}

.brand {
  font-weight: 700;
  font-size: 1.125rem;
  letter-spacing: 0.01em;
  color: var(--text);
  text-decoration: none;
}

.brand-mark {
  display: inline-block;
  width: 22px;
  height: 22px;
  border-radius: 6px;
  background: var(--primary);
}

main {
  max-width: 420px;
  margin: 0 auto;
  padding: 0 16px 48px;
}

.card {
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  padding: 24px;
  margin-bottom: 16px;
  box-shadow: 0 1px 2px rgba(0, 0, 0, 0.06);
}

.card > :first-child { margin-top: 0; }
.card > :last-child { margin-bottom: 0; }

h1 { font-size: 1.375rem; line-height: 1.3; margin: 0 0 8px; }
h2 { font-size: 1.0625rem; line-height: 1.35; margin: 0 0 8px; }
p { margin: 0 0 12px; }

.muted { color: var(--muted); }
.small { font-size: 0.875rem; }
.lead { color: var(--muted); margin-bottom: 20px; }

.app-logo {
  display: block;
  width: 56px;
  height: 56px;
  margin: 0 auto 16px;
  border-radius: 12px;
  object-fit: contain;
  background: var(--card);
  border: 1px solid var(--border);
}

.app-logo.small-logo {
  display: inline-block;
  width: 32px;
  height: 32px;
  margin: 0 10px 0 0;
  border-radius: 8px;
  vertical-align: middle;
}

.app-heading { display: flex; align-items: center; margin-bottom: 8px; }
.app-heading h2 { margin: 0; }

.centered { text-align: center; }

.field { margin-bottom: 16px; }

label {
  display: block;
  font-weight: 600;
  font-size: 0.9375rem;
  margin-bottom: 6px;
}

input[type="email"],
input[type="password"],
input[type="text"],
select {
  display: block;
  width: 100%;
  min-height: 44px;
  padding: 10px 12px;
  font: inherit;
  color: var(--text);
  background: var(--field);
  border: 1px solid var(--border);
  border-radius: 8px;
}

select { appearance: auto; }

.hint { font-size: 0.8125rem; color: var(--muted); margin-top: 4px; }

.actions {
  display: flex;
  flex-wrap: wrap;
  gap: 10px;
  margin-top: 20px;
}

.actions .button { flex: 1 1 140px; }

.button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  min-height: 44px;
  padding: 10px 18px;
  font: inherit;
  font-weight: 600;
  border-radius: 8px;
  border: 1px solid transparent;
  cursor: pointer;
  text-decoration: none;
  text-align: center;
}

.button.primary { background: var(--primary); color: var(--primary-text); }
.button.primary:hover { background: var(--primary-hover); }
.button.secondary { background: var(--secondary); color: var(--text); border-color: var(--border); }
.button.secondary:hover { background: var(--secondary-hover); }
.button.block { display: flex; width: 100%; }

.link-button {
  padding: 0;
  border: 0;
  background: none;
  font: inherit;
  color: var(--primary);
  text-decoration: underline;
  cursor: pointer;
}

a { color: var(--primary); }

a:focus-visible,
button:focus-visible,
input:focus-visible,
select:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
}

.banner {
  border: 1px solid;
  border-radius: 8px;
  padding: 10px 12px;
  margin-bottom: 16px;
  font-size: 0.9375rem;
}

.banner.error { background: var(--error-bg); border-color: var(--error-border); color: var(--error-text); }
.banner.notice { background: var(--notice-bg); border-color: var(--notice-border); color: var(--notice-text); }

.scopes {
  list-style: none;
  margin: 0 0 16px;
  padding: 0;
  border: 1px solid var(--border);
  border-radius: 8px;
}

.scopes li { padding: 10px 12px; }
.scopes li + li { border-top: 1px solid var(--border); }
.scope-description { display: block; }

.scope-name {
  display: block;
  margin-top: 2px;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.75rem;
  color: var(--muted);
  overflow-wrap: anywhere;
}

.binding {
  background: var(--highlight-bg);
  border: 1px solid var(--highlight-border);
  border-radius: 8px;
  padding: 12px;
  margin-bottom: 16px;
}

.binding-message {
  display: block;
  margin-top: 4px;
  font-size: 1.25rem;
  font-weight: 700;
  overflow-wrap: anywhere;
}

.account-links { list-style: none; margin: 0 0 16px; padding: 0; }
.account-links li + li { margin-top: 8px; }

.signout {
  display: flex;
  flex-wrap: wrap;
  align-items: baseline;
  gap: 6px;
  margin-top: 16px;
  font-size: 0.875rem;
  color: var(--muted);
}

.signout form { display: inline; margin: 0; }

.empty { text-align: center; color: var(--muted); }

.break { overflow-wrap: anywhere; }

@media (max-width: 360px) {
  .site-header { padding: 16px 12px 8px; }
  main { padding: 0 8px 32px; }
  .card { padding: 18px 14px; }
}
`;
