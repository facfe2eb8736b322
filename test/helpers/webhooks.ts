import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterEach } from 'vitest';
import type { Api } from './app.js';
import type { Random } from '../../src/domain/random.js';
import { cryptoRandom } from '../../src/domain/random.js';
import { validateWebhookMessage, type WebhookMessageViolation } from '../../src/webhooks/catalog.js';

export interface Receipt {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

export type Behaviour = (n: number, req: IncomingMessage, res: ServerResponse) => void;

/** A received body that does not match the event catalogue (src/webhooks/catalog.ts). */
export interface CatalogueViolation {
  /** The `webhook-id` header of the message. */
  id: string;
  type: unknown;
  problems: WebhookMessageViolation[];
}

export interface Receiver {
  url: string;
  receipts: Receipt[];
  /** Every received body that broke the catalogue (only recorded, not enforced, with `catalogue: false`). */
  violations: CatalogueViolation[];
  /** Stops the server; then throws if a catalogue violation was received and not yet reported. */
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /**
   * Check every body against the event catalogue (default true): every payload Grantry sends must
   * match its published schema. False only for a receiver that gets hand-made payloads (a test that
   * enqueues its own `data` to exercise the delivery mechanics, or posts raw bodies at the transport).
   */
  catalogue?: boolean;
}

interface Enforced {
  url: string;
  violations: CatalogueViolation[];
  reported: number;
}
const enforced = new Set<Enforced>();

/** The receivers' violations not reported yet, as one error naming each message and what is wrong with it. */
function unreported(receivers: Iterable<Enforced>): Error | null {
  const lines: string[] = [];
  for (const r of receivers) {
    for (const v of r.violations.slice(r.reported)) {
      lines.push(`  ${String(v.type)} (webhook-id ${v.id}) at ${r.url}:`, ...v.problems.map((p) => `    ${p.path || '(message)'}: ${p.message}`));
    }
    r.reported = r.violations.length;
  }
  return lines.length === 0 ? null : new Error(`a webhook message did not match the event catalogue (src/webhooks/catalog.ts):\n${lines.join('\n')}`);
}

// The receiver cannot fail a test from its request handler (an exception there is not the test's),
// and answering 500 would only turn the violation into a confusing retry count. So violations are
// collected and every test that uses this helper fails after it ran if one arrived meanwhile; close()
// reports any that arrived after the last test (or in a file whose cleanup swallows errors).
afterEach(() => {
  const err = unreported(enforced);
  if (err) throw err;
});

/** A local webhook receiver on 127.0.0.1; `behaviour` answers the n-th request (1-based). */
export async function startReceiver(behaviour: Behaviour = (_n, _req, res) => res.writeHead(204).end(), options: ReceiverOptions = {}): Promise<Receiver> {
  const receipts: Receipt[] = [];
  const violations: CatalogueViolation[] = [];
  const enforce = options.catalogue ?? true;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const receipt = {
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      receipts.push(receipt);
      const problems = validateWebhookMessage(receipt.body);
      if (problems.length > 0) violations.push({ id: receipt.id, type: typeOf(receipt.body), problems });
      behaviour(receipts.length, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  const url = `http://127.0.0.1:${addr.port}/hooks`;
  const state: Enforced = { url, violations, reported: 0 };
  if (enforce) enforced.add(state);
  return {
    url,
    receipts,
    violations,
    close: async () => {
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
      if (!enforced.delete(state)) return;
      const err = unreported([state]);
      if (err) throw err;
    },
  };
}

function typeOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { type?: unknown }).type;
  } catch {
    return '(not JSON)';
  }
}

/**
 * Checks a receipt's signature with `standardwebhooks`. The injected clock is far from the real one
 * in most tests, so the signature is recomputed at the receipt's own timestamp (the library's
 * verify() would also apply its ±5 min tolerance against the real clock).
 */
export function signatureValid(secret: string, r: Receipt): boolean {
  const expected = new Webhook(secret).sign(r.id, new Date(Number(r.timestamp) * 1000), r.body);
  return r.signature.split(' ').includes(expected);
}

/** A partner organization with a third_party application; returns its ids. */
export async function partnerApp(a: Api): Promise<{ orgId: string; appId: string; clientId: string }> {
  const scope = await a.post('/scopes', { scope: 'orders:read', description: 'Read orders' });
  if (scope.statusCode !== 201 && scope.statusCode !== 409) throw new Error(scope.body);
  const org = await a.post('/organizations', { type: 'partner', name: 'Partner Co' });
  if (org.statusCode !== 201) throw new Error(org.body);
  const app = await a.post('/applications', { name: 'Partner App', type: 'third_party', organization_id: org.json().id, scopes: ['orders:read'] });
  if (app.statusCode !== 201) throw new Error(app.body);
  return { orgId: org.json().id, appId: app.json().id, clientId: app.json().client_id };
}

/** Randomness whose uniform draws are always `u` (jitter factor 0.8 + 0.4u); ids stay unique. */
export function fixedJitter(u: number): Random {
  return {
    ...cryptoRandom,
    bytes: (n: number) => {
      if (n !== 4) return cryptoRandom.bytes(n);
      const b = Buffer.alloc(4);
      b.writeUInt32BE(Math.min(0xffffffff, Math.floor(u * 2 ** 32)));
      return b;
    },
  };
}
