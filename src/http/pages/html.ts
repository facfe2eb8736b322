import escapeHtml from 'escape-html';

/**
 * A fragment of markup that is already safe to emit as is: the result of `html`, or a constant
 * wrapped with `raw`. The class (not a branded string) is what lets `html` tell "markup we built"
 * from "text someone typed", so nesting never double-escapes and a plain string is never trusted.
 */
export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

/** What may stand in a `${}` of `html`: text is escaped, fragments pass through, nothing renders as nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  // null, undefined and false render as nothing so `${cond && html`...`}` reads naturally; `true` would
  // only ever be a mistake of that same idiom, so it renders as nothing too rather than "true".
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (Array.isArray(value)) return value.map(render).join('');
  // escape-html also escapes both quote characters, so the same call is safe in text and in quoted attributes.
  return escapeHtml(String(value));
}

/**
 * Tagged template for HTML: every interpolated value is escaped unless it is a `SafeHtml` (or an array
 * of them). Interpolations must sit in element text or inside a quoted attribute value; never put one
 * in an unquoted attribute, a tag name, or a `<script>`/`<style>` body (the pages have none anyway).
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/**
 * Trusts a string as markup. Only for constants written in this codebase (an entity, a doctype);
 * anything that came from a request, the database or configuration goes through `html` instead.
 */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Escapes one value on its own, for the rare caller that builds a string outside a template. */
export function escape(value: HtmlValue): string {
  return render(value);
}
