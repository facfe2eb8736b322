/**
 * `grantry webhooks listen`: a local receiver for partner developers. It verifies each delivery with
 * the reference `standardwebhooks` package (signature and the ±5 minute timestamp tolerance), answers
 * 204 when valid and 401 otherwise, and prints what arrived with token values masked.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ListenOptions {
  secret: string;
  port: number;
  host?: string;
  json?: boolean;
  /** Print token values in full (they are masked to their last 4 characters otherwise). */
  showSecrets?: boolean;
  /** Where lines go (stdout by default). */
  write?: (line: string) => void;
}

export interface Listener {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const SECRET_KEYS = new Set(['refresh_token', 'access_token', 'id_token', 'client_secret']);

export const mask = (value: string): string => (value.length <= 4 ? '****' : `****${value.slice(-4)}`);

/** Masks token-valued fields anywhere in the message, so a terminal or CI log never shows a usable token. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) && typeof v === 'string' ? mask(v) : maskSecrets(v)]));
  }
  return value;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startListener(options: ListenOptions): Promise<Listener> {
  const verifier = new Webhook(options.secret);
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const server = createServer(async (req, res) => {
    const body = req.method === 'POST' ? await readBody(req).catch(() => null) : null;
    const id = String(req.headers['webhook-id'] ?? '');
    if (body === null) {
      res.writeHead(req.method === 'POST' ? 413 : 405).end();
      return;
    }
    let message: { type?: unknown; timestamp?: unknown; data?: unknown };
    try {
      message = verifier.verify(body, {
        'webhook-id': id,
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      }) as typeof message;
    } catch (err) {
      const reason = (err as Error).message;
      write(options.json ? JSON.stringify({ verified: false, webhook_id: id || null, error: reason }) : `rejected ${id || '(no webhook-id)'}: ${reason}`);
      res.writeHead(401, { 'content-type': 'text/plain' }).end('invalid signature\n');
      return;
    }
    const data = options.showSecrets ? message.data : maskSecrets(message.data);
    if (options.json) {
      write(JSON.stringify({ verified: true, webhook_id: id, type: message.type, timestamp: message.timestamp, data }));
    } else {
      write(`${new Date().toISOString()}  ${String(message.type)}  webhook-id=${id}\n${JSON.stringify(data, null, 2)}`);
    }
    res.writeHead(204).end();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
