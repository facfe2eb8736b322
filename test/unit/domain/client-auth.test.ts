import { describe, expect, it } from 'vitest';
import { readClientCredentials } from '../../../src/protocol/client-auth.js';
import { OAuthError } from '../../../src/domain/oauth-error.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const basicOf = (raw: string) => `Basic ${b64(raw)}`;
const noParams = (): Record<string, string> => Object.create(null);

function oauthError(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  throw new Error('expected an OAuthError');
}

describe('readClientCredentials (RFC 6749 §2.3)', () => {
  it('reads Basic credentials', () => {
    expect(readClientCredentials(basicOf('cid_abc:gs_secret'), noParams())).toEqual({ clientId: 'cid_abc', clientSecret: 'gs_secret', method: 'client_secret_basic' });
  });

  it('form-url-decodes both parts (§2.3.1): %-escapes and "+" as space', () => {
    const id = 'client id:1';
    const secret = 'a:b%c+d e/é';
    const encoded = `${encodeURIComponent(id)}:${encodeURIComponent(secret)}`;
    expect(readClientCredentials(`Basic ${b64(encoded)}`, noParams())).toMatchObject({ clientId: id, clientSecret: secret });
    expect(readClientCredentials(basicOf('my+client:pass+word'), noParams())).toMatchObject({ clientId: 'my client', clientSecret: 'pass word' });
    expect(readClientCredentials(basicOf('c:%2B%25%3A'), noParams()).clientSecret).toBe('+%:');
  });

  it('splits at the first colon (the id is encoded, so the secret may hold raw colons)', () => {
    expect(readClientCredentials(basicOf('cid:se:cr:et'), noParams())).toMatchObject({ clientId: 'cid', clientSecret: 'se:cr:et' });
  });

  it('accepts a case-insensitive scheme', () => {
    expect(readClientCredentials(`basic ${b64('a:b')}`, noParams()).clientId).toBe('a');
  });

  it.each([
    ['another scheme', 'Bearer abc'],
    ['no colon', basicOf('only-an-id')],
    ['broken %-encoding', basicOf('cid:%E0%A4%A')],
    ['junk after the token', `Basic ${b64('a:b')} extra`],
  ])('%s → invalid_client (401; the error handler adds the Basic challenge)', (_why, header) => {
    const err = oauthError(() => readClientCredentials(header, noParams()));
    expect(err.code).toBe('invalid_client');
    expect(err.status).toBe(401);
  });

  it('two methods in one request → invalid_request', () => {
    const err = oauthError(() => readClientCredentials(basicOf('cid:s'), { client_secret: 's' }));
    expect(err.code).toBe('invalid_request');
    expect(err.status).toBe(400);
  });

  it('a body client_id that disagrees with Basic → invalid_request; an equal one is fine', () => {
    expect(oauthError(() => readClientCredentials(basicOf('cid:s'), { client_id: 'other' })).code).toBe('invalid_request');
    expect(readClientCredentials(basicOf('cid:s'), { client_id: 'cid' }).method).toBe('client_secret_basic');
  });

  it('reads client_secret_post and none from the body', () => {
    expect(readClientCredentials(undefined, { client_id: 'cid', client_secret: 's' })).toEqual({ clientId: 'cid', clientSecret: 's', method: 'client_secret_post' });
    expect(readClientCredentials(undefined, { client_id: 'pub' })).toEqual({ clientId: 'pub', clientSecret: undefined, method: 'none' });
  });

  it('no credentials at all → invalid_client', () => {
    const err = oauthError(() => readClientCredentials(undefined, noParams()));
    expect(err.code).toBe('invalid_client');
    expect(err.status).toBe(401);
  });
});
