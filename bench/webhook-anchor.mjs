#!/usr/bin/env node
// bench/webhook-anchor.mjs — the anchor of bench/webhook-delivery.mjs: a bare node:http sender that does per message
// what Grantry's webhook worker does on the wire and nothing else (no database, no encryption): it signs the same
// body (a real INSTALLATION.CREATE body captured by the receiver) with a fresh `webhook-id` per message
// (standardwebhooks, HMAC-SHA256, as src/webhooks/signing.ts), POSTs it to the same receiver with the same headers,
// and reads the answer. `concurrency` messages in flight (the worker's batch size), each on a new connection
// (`agent: false`, as src/webhooks/transport.ts), or with `keepAlive: true` on pooled keep-alive connections.
//
//   node bench/webhook-anchor.mjs '{"url":"http://127.0.0.1:P/hook/anchor","secret":"whsec_…","body":"…",
//                                   "concurrency":10,"seconds":3,"keepAlive":false}'
// Prints one JSON line: {sent, ok, non2xx, errors, seconds, rps, sender_cores}. Loopback only.
import http from 'node:http';
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const o = JSON.parse(process.argv[2] ?? '{}');
const url = new URL(o.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) { console.error('loopback only'); process.exit(2); }
const wh = new Webhook(o.secret);
const agent = o.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: o.concurrency }) : false;
const bodyLen = String(Buffer.byteLength(o.body));
let sent = 0, ok = 0, non2xx = 0, errors = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const end = t0 + o.seconds * 1000;

function one() {
  return new Promise((resolve) => {
    const id = `msg_${crypto.randomBytes(12).toString('hex')}`;
    const ts = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': wh.sign(id, ts, o.body),
      'content-type': 'application/json',
      'content-length': bodyLen,
      'user-agent': 'Grantry-Webhooks/1',
    };
    sent++;
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      if (res.statusCode >= 200 && res.statusCode < 300) ok++; else non2xx++;
      res.resume();
      res.on('end', resolve);
      res.on('error', resolve);
    });
    req.on('error', () => { errors++; resolve(); });
    req.end(o.body);
  });
}

await Promise.all(Array.from({ length: o.concurrency }, async () => { while (performance.now() < end) await one(); }));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (agent) agent.destroy();
process.stdout.write(`${JSON.stringify({ sent, ok, non2xx, errors, seconds, rps: ok / seconds, sender_cores: (cpu.user + cpu.system) / 1e6 / seconds })}\n`);
