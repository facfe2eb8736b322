import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { Api } from './app.js';
import type { Random } from '../../src/domain/random.js';
import { cryptoRandom } from '../../src/domain/random.js';

export interface Receipt {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

export type Behaviour = (n: number, req: IncomingMessage, res: ServerResponse) => void;

export interface Receiver {
  url: string;
  receipts: Receipt[];
  close(): Promise<void>;
}

/** A local webhook receiver on 127.0.0.1; `behaviour` answers the n-th request (1-based). */
export async function startReceiver(behaviour: Behaviour = (_n, _req, res) => res.writeHead(204).end()): Promise<Receiver> {
  const receipts: Receipt[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receipts.push({
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      behaviour(receipts.length, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/hooks`,
    receipts,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
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
