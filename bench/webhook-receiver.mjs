#!/usr/bin/env node
// bench/webhook-receiver.mjs — the webhook receiver of bench/webhook-delivery.mjs, run as its own process so it can
// be pinned to its own CPU and its CPU time read from /proc. It does what a careful partner does, and nothing more:
// verifies every delivery with `standardwebhooks` (signature and the ±5 min timestamp tolerance; 401 when bad),
// de-duplicates on `webhook-id`, answers 204. One receiver serves every configuration of a run: each has its own
// path, `/hook/<name>`, with its own signing secret (an unknown path is a 404).
//
// It records, per verified first delivery, the receipt time (ms since the epoch, sub-ms: performance.timeOrigin +
// performance.now()), the envelope's `timestamp` (when Grantry enqueued the event, i.e. created the installation)
// and `data.installation_id`. The parent (an IPC channel is required) talks to it with messages:
//   {cmd: 'secret', name, secret}      register a path and its secret             → {ok}
//   {cmd: 'reset'}                     forget every record and counter           → {ok}
//   {cmd: 'count', name}               verified first deliveries on that path    → {count}
//   {cmd: 'snapshot', name, records}   counters, first/last receipt, and the records when `records` is true
//   {cmd: 'sample', name}              one delivered body (to replay in the anchor)
// Answers carry the request's `id`. It prints `{"port": N}` on stdout's first line once listening on 127.0.0.1.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

if (!process.send) { console.error('webhook-receiver.mjs is started by bench/webhook-delivery.mjs (needs an IPC channel)'); process.exit(2); }

const MAX_BODY = 1 << 20;
const now = () => performance.timeOrigin + performance.now();
/** name → { verifier, records: [[installation_id, event_ts_ms, received_ms]], seen, counters, first, last, sample } */
const paths = new Map();
const fresh = (verifier) => ({ verifier, records: [], seen: new Set(), verified: 0, duplicates: 0, bad_signature: 0, first: null, last: null, sample: null });

const server = http.createServer((req, res) => {
  const name = req.url.startsWith('/hook/') ? req.url.slice(6) : null;
  const p = name !== null && paths.get(name);
  if (req.method !== 'POST' || !p) { req.resume(); res.writeHead(404).end(); return; }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
  req.on('end', () => {
    const at = now();
    const body = Buffer.concat(chunks).toString('utf8');
    let msg;
    try {
      msg = p.verifier.verify(body, req.headers);
    } catch {
      p.bad_signature++;
      res.writeHead(401).end();
      return;
    }
    const id = req.headers['webhook-id'];
    if (p.seen.has(id)) { p.duplicates++; res.writeHead(204).end(); return; }
    p.seen.add(id);
    p.verified++;
    p.first ??= at;
    p.last = at;
    p.sample ??= body;
    p.records.push([msg.data?.installation_id ?? null, Date.parse(msg.timestamp), at]);
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 5000;

process.on('message', (m) => {
  const reply = (x) => process.send({ id: m.id, ...x });
  const p = paths.get(m.name);
  switch (m.cmd) {
    case 'secret': paths.set(m.name, fresh(new Webhook(m.secret))); return reply({ ok: true });
    case 'reset': for (const [k, v] of paths) paths.set(k, fresh(v.verifier)); return reply({ ok: true });
    case 'count': return reply({ count: p ? p.verified : 0 });
    case 'snapshot': {
      if (!p) return reply({ error: `no path ${m.name}` });
      const { verifier: _v, seen: _s, sample: _b, records, ...counters } = p;
      return reply({ ...counters, records: m.records ? records : undefined });
    }
    case 'sample': return reply({ body: p?.sample ?? null });
    default: return reply({ error: `unknown command ${m.cmd}` });
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => { process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`); });
