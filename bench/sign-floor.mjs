#!/usr/bin/env node
// bench/sign-floor.mjs — the ceiling of any token endpoint on this machine: the peers' Fastify floor (a form POST,
// no OAuth work) plus one freshly signed JWT per request, signed as sign-limit.mjs signs (node:crypto, sync, a
// cached KeyObject, a new jti and iat each time). No client authentication, no storage, no metrics: what a server
// costs when it does nothing but parse the request, sign and answer. bench/run.mjs measures it beside Grantry in
// the same run, so "Grantry ÷ floor+signature" is what Grantry's own work costs, whatever the machine's speed.
//
//   ALG=RS256|ES256 PORT=0 node bench/sign-floor.mjs      prints "LISTENING http://127.0.0.1:PORT" when ready
import crypto from 'node:crypto';
import Fastify from 'fastify';

const ALG = process.env.ALG ?? 'RS256';
const keys = {
  RS256: () => ({ key: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }),
  ES256: () => ({ key: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, dsaEncoding: 'ieee-p1363' }),
};
if (!keys[ALG]) {
  console.error(`ALG must be one of ${Object.keys(keys).join(', ')}`);
  process.exit(2);
}
const signer = keys[ALG]();
const header = Buffer.from(JSON.stringify({ alg: ALG, typ: 'at+jwt', kid: 'floor' })).toString('base64url');

function sign(scope) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { iss: 'https://as.example.test', sub: 'client-123', aud: 'https://api.example.test', scope, client_id: 'client-123', iat, exp: iat + 3600, jti: crypto.randomUUID() };
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), signer).toString('base64url')}`;
}

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body))));
app.get('/health', async () => ({ ok: true }));
app.post('/oauth/token', async (req, reply) => {
  const scope = typeof req.body?.scope === 'string' ? req.body.scope : 'read';
  reply.header('cache-control', 'no-store');
  return { access_token: sign(scope), token_type: 'Bearer', expires_in: 3600, scope };
});

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
console.log(`LISTENING ${address}`);
const stop = async () => { await app.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
