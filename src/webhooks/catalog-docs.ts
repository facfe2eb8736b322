import { WEBHOOK_EVENT_CATALOG, webhookEventView } from './catalog.js';

type JsonSchema = Record<string, unknown>;

/** A field's type in words a reader scans: `string (date-time) or null`, `array of string`, `true`. */
function typeOf(s: JsonSchema): string {
  if ('const' in s) return `\`${JSON.stringify(s.const)}\``;
  if (Array.isArray(s.anyOf)) return (s.anyOf as JsonSchema[]).map(typeOf).join(' or ');
  if (s.type === 'array') return `array of ${typeOf(s.items as JsonSchema)}`;
  if (s.type === 'null') return 'null';
  const detail = typeof s.format === 'string' ? ` (${s.format})` : typeof s.pattern === 'string' ? ` (\`${s.pattern}\`)` : '';
  return `${String(s.type)}${detail}`;
}

/** The description of a field, or of the first branch of a union that has one. */
function describe(s: JsonSchema): string {
  if (typeof s.description === 'string') return s.description;
  if (Array.isArray(s.anyOf)) return (s.anyOf as JsonSchema[]).map(describe).find((d) => d !== '') ?? '';
  if (s.type === 'array') return describe(s.items as JsonSchema);
  return '';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const anchor = (type: string) => type.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** Renders docs/webhook-events.md from the catalogue (npm run docs:webhook-events); a test compares the file with it. */
export function renderWebhookEventsDoc(): string {
  const lines = [
    '# Webhook events',
    '',
    '<!-- Generated from src/webhooks/catalog.ts by `npm run docs:webhook-events`. Do not edit by hand. -->',
    '',
    'Every event Grantry sends to a webhook endpoint. Each message is a Standard Webhooks JSON body',
    '`{"type", "timestamp", "data"}` with the `webhook-id`, `webhook-timestamp` and `webhook-signature`',
    'headers; how to verify and answer them is in [webhooks.md](webhooks.md). The same catalogue, with',
    'each `data` schema as JSON Schema, is served by `GET /api/v1/webhook-event-types`.',
    '',
    '`timestamp` is when the event happened, in ISO 8601 UTC; it stays the same on every retry.',
    'Every field listed is always present (some may be null, as said), and this version sends no other',
    'field. A later version may add fields: ignore the ones you do not know rather than rejecting the',
    'message, so use these schemas to learn the shapes and in your tests, not as a gate in production.',
    '',
    '| event | subscribable | carries credentials |',
    '|---|---|---|',
    ...WEBHOOK_EVENT_CATALOG.map((e) => `| [\`${e.type}\`](#${anchor(e.type)}) | ${e.subscribable ? 'yes' : 'no (sent on request)'} | ${e.carries_credentials ? '**yes**' : 'no'} |`),
  ];
  for (const def of WEBHOOK_EVENT_CATALOG) {
    const view = webhookEventView(def);
    const properties = view.schema.properties as Record<string, JsonSchema>;
    lines.push('', `## ${def.type}`, '', def.description, '');
    lines.push('| field | type | description |', '|---|---|---|');
    for (const [name, s] of Object.entries(properties)) lines.push(`| \`${name}\` | ${cell(typeOf(s))} | ${cell(describe(s))} |`);
    lines.push('', 'JSON Schema of `data`:', '', '```json', JSON.stringify(view.schema, null, 2), '```');
    lines.push('', `Example${def.carries_credentials ? ' (the token values are fake)' : ''}:`, '', '```json', JSON.stringify(view.example, null, 2), '```');
  }
  return lines.join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(renderWebhookEventsDoc());
}
