import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { DestinationPolicy, type Resolver } from '../../../src/webhooks/destination.js';
import { httpTransport, MAX_RESPONSE_BYTES } from '../../../src/webhooks/transport.js';
import { startReceiver, type Receiver } from '../../helpers/webhooks.js';

const allowLocal = new DestinationPolicy({ production: false, allowedNetworks: ['127.0.0.0/8'] });
const send = (url: string, policy = allowLocal, timeoutMs = 1000) => httpTransport({ policy, timeoutMs })({ url, headers: { 'webhook-id': 'msg_1' }, body: '{"type":"X"}' });

describe('webhook HTTP transport', () => {
  const receivers: Receiver[] = [];
  // The transport is exercised with a hand-made body, not a catalogued event.
  const receiver = async (behaviour?: Parameters<typeof startReceiver>[0]) => {
    const r = await startReceiver(behaviour, { catalogue: false });
    receivers.push(r);
    return r;
  };
  afterAll(async () => Promise.all(receivers.map((r) => r.close())));

  it('reads at most 1 KiB of a huge response, then drops the connection', async () => {
    let writtenBeforeClose = 0;
    const r = await receiver((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (writtenBeforeClose < 50 * 1024 * 1024 && !res.destroyed) {
          writtenBeforeClose += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      pump();
    });
    const result = await send(r.url);
    expect(result).toMatchObject({ ok: true, statusCode: 200, errorClass: null });
    expect(result.bytesRead).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(writtenBeforeClose).toBeLessThan(50 * 1024 * 1024);
  });

  it('does not follow redirects', async () => {
    const r = await receiver((n, _req, res) => res.writeHead(n === 1 ? 307 : 200, { location: '/again' }).end());
    expect(await send(r.url)).toMatchObject({ ok: false, statusCode: 307, errorClass: 'http_status' });
    expect(r.receipts).toHaveLength(1);
  });

  it('classifies a timeout, a refused connection and a failed lookup', async () => {
    const slow = await receiver(() => undefined);
    expect(await send(slow.url, allowLocal, 100)).toMatchObject({ ok: false, statusCode: null, errorClass: 'timeout' });
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', () => res()));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((res) => closed.close(() => res()));
    expect(await send(`http://127.0.0.1:${port}/`)).toMatchObject({ errorClass: 'connection_refused' });
    const failing = new DestinationPolicy({ production: false, allowedNetworks: [], resolver: async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' })) });
    expect(await send('https://nowhere.example/', failing)).toMatchObject({ errorClass: 'dns' });
  });

  it('blocks DNS rebinding at connect time and connects only to the vetted address', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    // Public at registration, loopback at send time.
    let calls = 0;
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const policy = new DestinationPolicy({ production: false, allowedNetworks: [], resolver: rebinding });
    await expect(policy.resolve(new URL(`http://rebind.partner.test:${port}/`))).resolves.toHaveLength(1);
    expect(await send(`http://rebind.partner.test:${port}/`, policy)).toMatchObject({ ok: false, errorClass: 'blocked_address', statusCode: null });
    expect(r.receipts).toHaveLength(0);

    // With 127.0.0.0/8 allowed, the name (which real DNS does not know) reaches the checked address.
    const allowed = new DestinationPolicy({ production: false, allowedNetworks: ['127.0.0.0/8'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(await send(`http://rebind.partner.test:${port}/`, allowed)).toMatchObject({ ok: true, statusCode: 204 });
    expect(r.receipts).toHaveLength(1);
  });

  it('refuses an IP-literal URL outside the policy without connecting', async () => {
    const r = await receiver();
    const strict = new DestinationPolicy({ production: false, allowedNetworks: [] });
    expect(await send(r.url, strict)).toMatchObject({ errorClass: 'blocked_address' });
    expect(r.receipts).toHaveLength(0);
  });
});
