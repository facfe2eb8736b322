import { afterAll, describe, expect, it } from 'vitest';
import { startListener, maskSecrets, type Listener } from '../../../src/webhooks/listen.js';
import { signMessage } from '../../../src/webhooks/signing.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

describe('grantry webhooks listen', () => {
  const lines: string[] = [];
  let listener: Listener;
  afterAll(async () => listener?.close());

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${listener.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers 204 to a valid signature and prints the delivery with tokens masked', async () => {
    listener = await startListener({ secret: SECRET, port: 0, json: true, write: (l) => lines.push(l) });
    const body = JSON.stringify({ type: 'INSTALLATION.CREATE', timestamp: new Date().toISOString(), data: { installation_id: 'ins_1', refresh_token: 'rt_abcdefgh1234', access_token: 'eyJhbGciOi.x.y9876' } });
    const res = await post(body, signMessage(SECRET, 'msg_1', Date.now(), body) as unknown as Record<string, string>);
    expect(res.status).toBe(204);
    const printed = JSON.parse(lines.at(-1)!);
    expect(printed).toMatchObject({ verified: true, webhook_id: 'msg_1', type: 'INSTALLATION.CREATE', data: { installation_id: 'ins_1', refresh_token: '****1234', access_token: '****9876' } });
    expect(lines.join('\n')).not.toContain('rt_abcdefgh1234');
  });

  it('answers 401 to a bad signature, a stale timestamp or missing headers', async () => {
    const body = '{"type":"INSTALLATION.DELETE","data":{}}';
    const wrong = signMessage('whsec_' + Buffer.alloc(32, 8).toString('base64'), 'msg_2', Date.now(), body);
    expect((await post(body, wrong as unknown as Record<string, string>)).status).toBe(401);
    const stale = signMessage(SECRET, 'msg_3', Date.now() - 10 * 60_000, body);
    expect((await post(body, stale as unknown as Record<string, string>)).status).toBe(401);
    expect((await post(body, {})).status).toBe(401);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ verified: false });
  });

  it('masks nested token fields', () => {
    expect(maskSecrets({ a: [{ refresh_token: 'abcdefgh' }], token_type: 'Bearer', client_secret: 'xy' })).toEqual({ a: [{ refresh_token: '****efgh' }], token_type: 'Bearer', client_secret: '****' });
  });
});
