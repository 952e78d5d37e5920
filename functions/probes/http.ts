/**
 * The HTTP probe: one GET over a dedicated undici Client, with a deadline on every step, timing phases, and the
 * body streamed through sha256 (never held whole). It reports what it saw; network failures are results.
 *
 * Choices worth knowing:
 * - Our own connector opens the socket, so `connectTo` can aim it elsewhere while the URL's Host and SNI stay,
 *   and so DNS, TCP and TLS can each be timed. The connect deadline covers all three.
 * - HTTP/1.1 only (ALPN): the proxy must see the Host header we send, as a browser's HTTP/1.1 request would.
 * - No redirect is followed, and conditional headers are dropped: a 301 or a 304 is an observation to judge.
 * - A body that breaks off after the headers (reset, short of Content-Length) is `reached: true` with
 *   `truncated: true`: status and headers are evidence worth keeping. `bytes` and `sha256` then cover what
 *   arrived. A deadline that expires while reading the body is `reached: false`, kind `timeout`.
 */
import { createHash } from 'node:crypto';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { type buildConnector, Client, errors } from 'undici';
import { classifyNetworkError } from '../core/classify.ts';
import type { FailureKind } from '../core/names.ts';
import type { HttpProbe, HttpProbeRequest } from '../core/probe.ts';
import { USER_AGENT } from '../core/requests.ts';
import type { HttpObservation, Timings } from '../core/types.ts';

/** Request headers that would let the server answer 304 or a partial body instead of the file. */
const CONDITIONAL_HEADERS = new Set([
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
]);

/** Phase durations, filled in by the connector as the socket progresses. */
interface Clock {
  start: number;
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
  transferMs?: number;
  /** HTTPS: the server certificate's expiry, as the handshake saw it (ISO 8601). */
  certificateNotAfter?: string;
}

export const httpProbe: HttpProbe = async (request) => {
  const clock: Clock = { start: performance.now() };
  let client: Client | undefined;
  // The total deadline covers everything, body included: headersTimeout and bodyTimeout only bound idle gaps.
  const signal = AbortSignal.timeout(request.timeoutMs);
  let phase = 'before the response headers';
  try {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return failed('invalid-request', `ERR_INVALID_URL: unsupported protocol ${url.protocol}`, clock);
    }
    const connect = connector(request, url, clock);
    client = new Client(url.origin, {
      connect,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
      pipelining: 1,
    });
    const response = await client.request({
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: requestHeaders(request),
      signal,
    });
    const headersAt = performance.now();
    clock.firstByteMs = headersAt - clock.start;
    const headers = lowerCaseHeaders(response.headers);
    phase = 'while reading the body';

    let bytes = 0;
    let sha256: string | undefined;
    let headSha256: string | undefined;
    let truncated = false;
    if (request.body === 'peek') {
      // Enough to tell "no body" from "a body"; leaving the loop destroys the stream and drops the rest.
      for await (const chunk of response.body) {
        bytes = (chunk as Buffer).length;
        break;
      }
    } else {
      const hash = createHash('sha256');
      const headWanted = request.headBytes ?? 0;
      const head: Buffer[] = [];
      try {
        for await (const chunk of response.body) {
          const buf = chunk as Buffer;
          if (bytes < headWanted) head.push(buf.subarray(0, headWanted - bytes));
          hash.update(buf);
          bytes += buf.length;
        }
      } catch (err) {
        const kind = classifyNetworkError(errorFields(err));
        if (kind !== 'reset' && kind !== 'truncated') throw err;
        truncated = true;
      }
      sha256 = hash.digest('hex');
      if (headWanted > 0) headSha256 = createHash('sha256').update(Buffer.concat(head)).digest('hex');
      const announced = Number(headers['content-length']);
      if (Number.isFinite(announced) && bytes < announced) truncated = true;
    }
    clock.transferMs = performance.now() - headersAt;
    return {
      reached: true,
      status: response.statusCode,
      headers,
      bytes,
      ...(sha256 === undefined ? {} : { sha256 }),
      ...(headSha256 === undefined ? {} : { headSha256 }),
      truncated,
      ...(clock.certificateNotAfter ? { certificateNotAfter: clock.certificateNotAfter } : {}),
      timings: timings(clock),
    };
  } catch (err) {
    if (signal.aborted) {
      return failed('timeout', `TimeoutError: the ${request.timeoutMs} ms deadline expired ${phase}`, clock);
    }
    const fields = errorFields(err);
    // The error text may carry what the server sent (a certificate's names, say): functions/checks.ts redacts it.
    return failed(classifyNetworkError(fields), describe(fields), clock);
  } finally {
    // destroy, not close: the body may be half-read, and this client serves no other request.
    await client?.destroy().catch(() => {});
  }
};

/**
 * A connector that opens the TCP (and TLS) connection itself: to `connectTo` if set, with SNI and certificate
 * checks for the URL's host (or tls.serverName), and records the DNS, TCP and TLS phases on the clock.
 */
function connector(request: HttpProbeRequest, url: URL, clock: Clock): buildConnector.connector {
  const https = url.protocol === 'https:';
  const target = connectTarget(request.connectTo, url);
  // Read once per probe, before connecting: a missing file is a bad option, reported as invalid-request.
  const ca = request.tls?.caFile ? readCa(request.tls.caFile) : undefined;
  const hostname = stripBrackets(url.hostname);
  const identity = request.tls?.serverName ?? hostname;
  // SNI must be a name, never an IP literal.
  const servername = net.isIP(identity) ? undefined : identity;

  return (_options, callback) => {
    let done = false;
    let tcpStart = performance.now();
    let tlsStart = tcpStart;
    // The connector's callback must run once: whichever of success, error or the connect deadline comes first.
    const settle = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) callback(err, null);
      else callback(null, socket);
    };

    // Times name resolution; Node skips the lookup for IP literals, so dnsMs stays absent for them.
    const lookup: net.LookupFunction = (name, options, cb) => {
      const dnsStart = performance.now();
      dns.lookup(name, options, (err, address, family) => {
        clock.dnsMs = performance.now() - dnsStart;
        tcpStart = performance.now();
        cb(err, address, family);
      });
    };
    const common = { host: target.host, port: target.port, lookup, noDelay: true };
    const socket = https
      ? tls.connect({
          ...common,
          servername,
          ca,
          ALPNProtocols: ['http/1.1'],
          // Verify the certificate against the name the client asked for, not the address we connected to.
          checkServerIdentity: (_host, cert) => tls.checkServerIdentity(identity, cert),
        })
      : net.connect(common);

    const timer = setTimeout(() => {
      settle(
        new errors.ConnectTimeoutError(
          `connect to ${target.host}:${target.port} took longer than ${request.connectTimeoutMs} ms`,
        ),
      );
      socket.destroy();
    }, request.connectTimeoutMs);

    socket.once('connect', () => {
      clock.connectMs = performance.now() - tcpStart;
      tlsStart = performance.now();
      if (!https) settle(null);
    });
    socket.once('secureConnect', () => {
      clock.tlsMs = performance.now() - tlsStart;
      const notAfter = new Date((socket as tls.TLSSocket).getPeerCertificate().valid_to ?? '');
      if (!Number.isNaN(notAfter.getTime())) clock.certificateNotAfter = notAfter.toISOString();
      settle(null);
    });
    // Kept for the socket's whole life: undici adds its own listener once it has the socket.
    socket.on('error', (err) => settle(err));
  };
}

/** Where to open the socket: `connectTo` ("host", "host:port", "[v6]:port"), else the URL's host and port. */
function connectTarget(connectTo: string | undefined, url: URL): { host: string; port: number } {
  const defaultPort = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  if (!connectTo) return { host: stripBrackets(url.hostname), port: defaultPort };
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(connectTo);
  if (!match) throw invalidOption(`connectTo "${connectTo}" is not host[:port]`);
  return { host: (match[1] ?? match[2]) as string, port: match[3] ? Number(match[3]) : defaultPort };
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalidOption(
      `tls.caFile ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** A bad option is the caller's problem, not the network's: it classifies as invalid-request. */
function invalidOption(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_INVALID_ARG_VALUE' });
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The headers to send: the caller's (lower-cased, conditionals dropped), then Host and Range overrides. */
function requestHeaders(request: HttpProbeRequest): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (!CONDITIONAL_HEADERS.has(lower)) headers[lower] = value;
  }
  if (request.host) headers.host = request.host;
  if (request.range) headers.range = request.range;
  return headers;
}

function lowerCaseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

interface ErrorFields {
  code?: string;
  name?: string;
  message?: string;
}

/**
 * The code, name and message of a thrown value. When every address of a host failed, Node throws an
 * AggregateError: the first inner error carries the useful code.
 */
function errorFields(err: unknown): ErrorFields {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as { code?: unknown; name?: unknown; message?: unknown; errors?: unknown };
  const fields: ErrorFields = {};
  if (typeof e.code === 'string') fields.code = e.code;
  if (typeof e.name === 'string') fields.name = e.name;
  if (typeof e.message === 'string') fields.message = e.message;
  if (!fields.code && Array.isArray(e.errors) && e.errors.length > 0) {
    const inner = errorFields(e.errors[0]);
    return { ...inner, message: fields.message || inner.message || '' };
  }
  return fields;
}

function describe(fields: ErrorFields): string {
  return `${fields.code ?? fields.name ?? 'Error'}: ${fields.message ?? ''}`.trim();
}

function failed(kind: FailureKind, error: string, clock: Clock): HttpObservation {
  return { reached: false, kind, error, timings: timings(clock) };
}

function timings(clock: Clock): Timings {
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  const out: Timings = { totalMs: round(performance.now() - clock.start) };
  for (const key of ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs', 'transferMs'] as const) {
    const value = clock[key];
    if (value !== undefined) out[key] = round(value);
  }
  return out;
}
