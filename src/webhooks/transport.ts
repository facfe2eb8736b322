/**
 * One HTTP attempt of a webhook: POST, no redirects, a total deadline, at most 1 KiB of the response
 * read, every destination address checked at connect time.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DestinationPolicy, ResolvedAddress } from './destination.js';

/** The error classes an attempt records (never a message: it could echo the receiver's data). */
export const ERROR_CLASSES = ['timeout', 'connection_refused', 'dns', 'tls', 'blocked_address', 'http_status', 'network'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  errorClass: ErrorClass | null;
  retryAfter: string | undefined;
  durationMs: number;
  /** Bytes of the response body read (at most MAX_RESPONSE_BYTES). */
  bytesRead: number;
}

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface TransportOptions {
  policy: DestinationPolicy;
  /** Standard Webhooks suggests 15–30 s; a 2xx must arrive within it. Injectable so tests are fast. */
  timeoutMs?: number;
  userAgent?: string;
}

export type Transport = (req: SendRequest) => Promise<SendResult>;

export const DEFAULT_TIMEOUT_MS = 15_000;
/** The response is only a status for us; reading more lets a receiver stream gigabytes at us. */
export const MAX_RESPONSE_BYTES = 1024;

class TimeoutError extends Error {
  readonly code = 'EGRANTRY_TIMEOUT';
}

export function classifyError(err: unknown): ErrorClass {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'EGRANTRY_BLOCKED') return 'blocked_address';
  if (code === 'EGRANTRY_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'EGRANTRY_DNS' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (/^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|UNABLE_TO_|^EPROTO$|^ERR_SSL/.test(code)) return 'tls';
  return 'network';
}

/** A lookup that only ever answers with the already-vetted addresses: nothing is resolved twice. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: { family?: number | string; all?: boolean }, callback: (...args: unknown[]) => void) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    const usable = family ? addresses.filter((a) => a.family === family) : addresses;
    if (usable.length === 0) {
      callback(Object.assign(new Error('no address of the requested family'), { code: 'ENOTFOUND' }));
      return;
    }
    if (options.all) callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, usable[0]!.address, usable[0]!.family);
  }) as LookupFunction;
}

export function httpTransport(options: TransportOptions): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = options.userAgent ?? 'Grantry-Webhooks/1';
  return async ({ url: raw, headers, body }) => {
    const started = performance.now();
    const result = (partial: Partial<SendResult>): SendResult => ({
      ok: false,
      statusCode: null,
      errorClass: null,
      retryAfter: undefined,
      bytesRead: 0,
      ...partial,
      durationMs: Math.round(performance.now() - started),
    });
    const url = new URL(raw);
    let addresses: ResolvedAddress[];
    try {
      // Resolved and checked on every attempt, not only at registration (DNS rebinding).
      addresses = await options.policy.resolve(url);
    } catch (err) {
      return result({ errorClass: classifyError(err) });
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      let bytesRead = 0;
      let status: number | null = null;
      let retryAfter: string | undefined;
      const finish = (r: Partial<SendResult>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(result({ bytesRead, ...r }));
      };
      const req = client.request(url, {
        method: 'POST',
        // One connection per attempt: the socket is destroyed afterwards, nothing pooled.
        agent: false,
        lookup: pinnedLookup(addresses),
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': userAgent },
      });
      const timer = setTimeout(() => req.destroy(new TimeoutError('timeout')), timeoutMs);
      req.on('error', (err: Error) => {
        // After a status line, a reset while draining the body does not change the verdict.
        const got = status as number | null;
        if (got !== null) finish({ ok: got >= 200 && got < 300, statusCode: got, retryAfter, errorClass: got >= 200 && got < 300 ? null : 'http_status' });
        else finish({ errorClass: classifyError(err) });
      });
      req.on('response', (res: http.IncomingMessage) => {
        const code = res.statusCode ?? 0;
        status = code;
        retryAfter = typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined;
        // Standard Webhooks: only 2xx is success; 3xx is a failure and is never followed (a Location
        // could point inside our network, and the tokens must not go anywhere else).
        const ok = code >= 200 && code < 300;
        const done = () => finish({ ok, statusCode: code, retryAfter, errorClass: ok ? null : 'http_status' });
        res.on('data', (chunk: Buffer) => {
          bytesRead = Math.min(MAX_RESPONSE_BYTES, bytesRead + chunk.length);
          if (bytesRead >= MAX_RESPONSE_BYTES) done();
        });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      req.end(body);
    });
  };
}
