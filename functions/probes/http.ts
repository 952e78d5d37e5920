/**
 * The HTTP probe: one GET over a dedicated undici Client, with a deadline on every step, timing phases, and the
 * body streamed through sha256 (never held whole). It reports what it saw; network failures are results.
 *
 * Choices worth knowing:
 * - Our own connector opens the socket, so `connectTo` can aim it elsewhere while the URL's Host and SNI stay,
 *   and so DNS, TCP and TLS can each be timed. The connect deadline covers all three.
 * - HTTP/1.1 only (ALPN): the proxy must see the Host header we send, as a browser's HTTP/1.1 request would.
 * - No redirect is followed, and the caller's conditional headers are dropped: a 301 or a 304 is an observation
 *   to judge (only the conditional probe sends validators, on purpose).
 * - A body that breaks off after the headers (reset, short of Content-Length) is `reached: true` with
 *   `truncated: true`: status and headers are evidence worth keeping. `bytes` and `sha256` then cover what
 *   arrived. A deadline that expires while reading the body is `reached: false`, kind `timeout`.
 * - A body past the sentinel's size stops being read at once (`overflow`): memory and time stay bounded.
 * - The headers are kept as they came too (`rawHeaders`): two Content-Disposition headers are not one joined by
 *   ", ", which is how clients read them.
 * - With an Accept-Encoding, the body is decoded (streaming) before it is hashed, as a browser saves it.
 */
import { createHash } from 'node:crypto';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { pipeline, type Readable, Transform } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { HttpProbe, HttpProbeRequest } from '../checks/probes.ts';
import { USER_AGENT } from '../checks/requests.ts';
import type { FailureKind } from '../contract/names.ts';
import { BODY_HEAD_BYTES, type HttpObservation } from '../contract/types.ts';
import { classifyNetworkError } from './classify.ts';
import { type Clock, timings } from './clock.ts';
import { type buildConnector, Client, errors, requestOn } from './undici.ts';

/** Request headers that would let the server answer 304 or a partial body instead of the file. */
const CONDITIONAL_HEADERS = new Set([
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
]);

/** Phase durations, filled in by the connector as the socket progresses. */
interface HttpClock extends Clock {
  /** HTTPS: the server certificate's expiry, as the handshake saw it (ISO 8601). */
  certificateNotAfter?: string;
}

export const httpProbe: HttpProbe = async (request) => {
  const clock: HttpClock = { start: performance.now() };
  let client: InstanceType<typeof Client> | undefined;
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
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    const method = request.method ?? 'GET';
    const response = await requestOn(client, {
      path: `${url.pathname}${url.search}`,
      method,
      headers: requestHeaders(request),
      responseHeaders: 'raw',
      signal,
    });
    const headersAt = performance.now();
    clock.firstByteMs = headersAt - clock.start;
    const rawHeaders = headerPairs(response.headers as unknown as string[]);
    const headers = joinedHeaders(rawHeaders);
    phase = 'while reading the body';

    const body =
      request.body === 'peek' || method === 'HEAD'
        ? await peek(response.body)
        : await hashBody(response.body, response.statusCode, headers, request);
    clock.transferMs = performance.now() - headersAt;
    return {
      reached: true,
      status: response.statusCode,
      headers,
      rawHeaders,
      ...body,
      ...(clock.certificateNotAfter ? { certificateNotAfter: clock.certificateNotAfter } : {}),
      timings: timings(clock),
    };
  } catch (err) {
    if (signal.aborted) {
      return failed('timeout', `TimeoutError: the ${request.timeoutMs} ms deadline expired ${phase}`, clock);
    }
    const fields = errorFields(err);
    // The error text may carry what the server sent (a certificate's names, say): functions/checks/run.ts redacts it.
    return failed(classifyNetworkError(fields), describe(fields), clock);
  } finally {
    // destroy, not close: the body may be half-read, and this client serves no other request.
    await client?.destroy().catch(() => {});
  }
};

/**
 * The largest response header section read, as Chrome's (256 KiB): larger is a `bad-response` (a browser refuses
 * it too), smaller is a server's business, not the monitor's.
 */
const MAX_HEADER_BYTES = 256 * 1024;

type BodyRead = Pick<
  Extract<HttpObservation, { reached: true }>,
  'bytes' | 'wireBytes' | 'sha256' | 'headSha256' | 'truncated' | 'overflow' | 'decodeError' | 'bodyHead'
>;

/** Enough to tell "no body" from "a body"; leaving the loop destroys the stream and drops the rest. */
async function peek(body: AsyncIterable<unknown>): Promise<BodyRead> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes = (chunk as Buffer).length;
    break;
  }
  return { bytes, truncated: false };
}

/** The decoders of the Content-Encodings a browser asks for, those this Node.js has. */
const DECODERS: Readonly<Record<string, (() => Transform) | undefined>> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
  zstd: (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress,
};

/** The codings of an Accept-Encoding this probe can decode (a browser's list, minus what Node.js lacks). */
export function decodableAcceptEncoding(value: string): string {
  return value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => {
      const name = c.split(';')[0]?.trim().toLowerCase() ?? '';
      return name === 'identity' || name === '*' || DECODERS[name] !== undefined;
    })
    .join(', ');
}

/**
 * Streams the body through sha256 (after decoding it, when the request sent an Accept-Encoding and the answer
 * has a Content-Encoding), never holding it whole. Reading stops once the body has grown past `maxBytes` (and
 * past BODY_HEAD_BYTES, so that an error document is kept whole). A body that breaks off (reset, premature
 * close) is `truncated`; one that does not decode has a `decodeError`.
 */
async function hashBody(
  source: Readable,
  status: number,
  headers: Record<string, string>,
  request: HttpProbeRequest,
): Promise<BodyRead> {
  const limit = Math.max(request.maxBytes ?? Number.MAX_SAFE_INTEGER, BODY_HEAD_BYTES);
  const coding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    request.acceptEncoding && coding && coding !== 'identity' ? DECODERS[coding]?.() : undefined;
  if (request.acceptEncoding && coding && coding !== 'identity' && !decoder) {
    return { bytes: 0, truncated: false, decodeError: `unknown Content-Encoding ${JSON.stringify(coding)}` };
  }
  let wireBytes = 0;
  let sourceError: unknown;
  source.once('error', (err) => {
    sourceError = err;
  });
  const stream: AsyncIterable<unknown> = decoder
    ? pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            wireBytes += chunk.length;
            done(null, chunk);
          },
        }),
        decoder,
        () => {},
      )
    : source;

  const hash = createHash('sha256');
  const headWanted = request.headBytes ?? 0;
  const head: Buffer[] = [];
  const keepHead = status < 200 || status >= 300;
  const errorHead: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  let overflow = false;
  let decodeError: string | undefined;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      if (bytes < headWanted) head.push(buf.subarray(0, headWanted - bytes));
      if (keepHead && bytes < BODY_HEAD_BYTES) errorHead.push(buf.subarray(0, BODY_HEAD_BYTES - bytes));
      hash.update(buf);
      bytes += buf.length;
      if (bytes > limit) {
        overflow = true;
        break;
      }
    }
  } catch (err) {
    if (decoder && err !== sourceError) {
      const e = errorFields(err);
      decodeError = `${e.code ?? e.name ?? 'Error'}: ${e.message ?? ''} (Content-Encoding ${coding})`;
    } else {
      const kind = classifyNetworkError(errorFields(err));
      if (kind !== 'reset' && kind !== 'truncated') throw err;
      truncated = true;
    }
  } finally {
    // Leaving early (overflow, an error): stop reading the wire too.
    if (decoder) {
      decoder.destroy();
      source.destroy();
    }
  }
  const announced = Number(headers['content-length']);
  const received = decoder ? wireBytes : bytes;
  if (!overflow && Number.isFinite(announced) && received < announced) truncated = true;
  return {
    bytes,
    ...(decoder ? { wireBytes } : {}),
    sha256: hash.digest('hex'),
    ...(headWanted > 0 ? { headSha256: createHash('sha256').update(Buffer.concat(head)).digest('hex') } : {}),
    truncated,
    ...(overflow ? { overflow } : {}),
    ...(decodeError ? { decodeError } : {}),
    ...(keepHead && bytes > 0 ? { bodyHead: Buffer.concat(errorHead).toString('utf8') } : {}),
  };
}

/**
 * A connector that opens the TCP (and TLS) connection itself: to `connectTo` if set, with SNI and certificate
 * checks for the URL's host (or tls.serverName), and records the DNS, TCP and TLS phases on the clock.
 */
function connector(request: HttpProbeRequest, url: URL, clock: HttpClock): buildConnector.connector {
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

/**
 * The headers to send: the caller's (lower-cased, conditionals dropped: only the conditional probe sends them),
 * then Host, Range, Accept-Encoding and the validators of a conditional GET.
 */
function requestHeaders(request: HttpProbeRequest): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (!CONDITIONAL_HEADERS.has(lower)) headers[lower] = value;
  }
  if (request.host) headers.host = request.host;
  if (request.range) headers.range = request.range;
  if (request.acceptEncoding) headers['accept-encoding'] = decodableAcceptEncoding(request.acceptEncoding);
  if (request.conditional?.etag) headers['if-none-match'] = request.conditional.etag;
  if (request.conditional?.lastModified) headers['if-modified-since'] = request.conditional.lastModified;
  return headers;
}

/** undici's raw headers (name, value, name, value, ...) as pairs, names lower-cased, in the order they came. */
function headerPairs(flat: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    pairs.push([String(flat[i]).toLowerCase(), String(flat[i + 1])]);
  return pairs;
}

/** One value per name: a repeated header's values joined with ", ", as HTTP clients read them. */
function joinedHeaders(pairs: readonly [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) out[name] = name in out ? `${out[name]}, ${value}` : value;
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

function failed(kind: FailureKind, error: string, clock: HttpClock): HttpObservation {
  return { reached: false, kind, error, timings: timings(clock) };
}
