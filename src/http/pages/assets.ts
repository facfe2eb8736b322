import { createHash } from 'node:crypto';
import { GRANTRY_CSS } from './grantry-css.js';

/** Where the layout links the stylesheet; the route serving it must use the same path. */
export const STYLESHEET_PATH = '/assets/grantry.css';

let cached: { body: string; etag: string } | undefined;

/**
 * The shared stylesheet and its strong ETag. The hash is of the text itself, so the tag changes exactly
 * when a deploy changes the CSS and browsers revalidate cheaply (304) in between. Computed once: the
 * text is a constant of the build.
 */
export function stylesheet(): { body: string; etag: string } {
  if (!cached) {
    const digest = createHash('sha256').update(GRANTRY_CSS).digest('base64url').slice(0, 27);
    cached = { body: GRANTRY_CSS, etag: `"${digest}"` };
  }
  return cached;
}
