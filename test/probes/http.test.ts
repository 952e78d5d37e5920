import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpProbeRequest } from '../../functions/checks/probes.ts';
import type { HttpObservation } from '../../functions/contract/types.ts';
import { httpProbe } from '../../functions/probes/http.ts';
import { makeCertificate } from '../fixtures/tls.ts';

type Handler = http.RequestListener;

const opened: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  // Servers that stall on purpose keep their sockets open: drop them so close() returns.
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(
    opened.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

async function listen(server: net.Server): Promise<number> {
  opened.push(server);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Starts an HTTP server; returns its base URL and the requests it saw. */
async function serve(handler: Handler): Promise<{ url: string; port: number; seen: http.IncomingMessage[] }> {
  const seen: http.IncomingMessage[] = [];
  const port = await listen(
    http.createServer((req, res) => {
      seen.push(req);
      handler(req, res);
    }),
  );
  return { url: `http://127.0.0.1:${port}`, port, seen };
}

function probe(
  overrides: Partial<HttpProbeRequest> & Pick<HttpProbeRequest, 'url'>,
): Promise<HttpObservation> {
  return httpProbe({ headers: {}, timeoutMs: 3000, connectTimeoutMs: 1000, body: 'hash', ...overrides });
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function reached(obs: HttpObservation): Extract<HttpObservation, { reached: true }> {
  if (!obs.reached) throw new Error(`expected a response, got ${obs.kind}: ${obs.error}`);
  return obs;
}

function failure(obs: HttpObservation): Extract<HttpObservation, { reached: false }> {
  if (obs.reached) throw new Error(`expected a failure, got HTTP ${obs.status}`);
  return obs;
}

/** Times a probe, to show that deadlines hold. */
async function timed(run: () => Promise<HttpObservation>): Promise<{ obs: HttpObservation; ms: number }> {
  const start = performance.now();
  const obs = await run();
  return { obs, ms: performance.now() - start };
}

describe('httpProbe: responses', () => {
  it('hashes the whole body and counts its bytes', async () => {
    const body = Buffer.alloc(300_000, 'download-doctor ');
    const { url } = await serve((_req, res) => res.end(body));

    const obs = reached(await probe({ url: `${url}/file.bin` }));

    expect(obs).toMatchObject({ status: 200, bytes: body.length, sha256: sha256(body), truncated: false });
  });

  it('peeks at the first chunk only and drops the rest of a large body', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    const { url } = await serve((_req, res) => {
      // 64 MiB offered, with backpressure: the probe must stop long before.
      const write = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      write();
    });

    const obs = reached(await probe({ url, body: 'peek' }));

    expect(obs.sha256).toBeUndefined();
    expect(obs.bytes).toBeGreaterThan(0);
    expect(obs.bytes).toBeLessThanOrEqual(chunk.length);
    expect(obs.truncated).toBe(false);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('peeks at an empty body as 0 bytes', async () => {
    const { url } = await serve((_req, res) => {
      res.setHeader('X-Accel-Redirect', '/protected/sentinel.bin');
      res.end();
    });

    const obs = reached(await probe({ url, body: 'peek' }));

    expect(obs).toMatchObject({ status: 200, bytes: 0, truncated: false });
    expect(obs.headers['x-accel-redirect']).toBe('/protected/sentinel.bin');
  });

  it('returns headers with lower-case names, repeated values joined', async () => {
    const { url } = await serve((_req, res) => {
      res.setHeader('X-Accel-Redirect', '/internal/a');
      res.setHeader('X-Multi', ['one', 'two']);
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end('a');
    });

    const obs = reached(await probe({ url }));

    expect(obs.headers).toMatchObject({
      'x-accel-redirect': '/internal/a',
      'x-multi': 'one, two',
      'content-type': 'application/octet-stream',
    });
    expect(Object.keys(obs.headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('does not follow redirects: a 301 is returned as is', async () => {
    const { url, seen } = await serve((req, res) => {
      if (req.url === '/download') {
        res.writeHead(301, { Location: '/download/' });
        res.end();
      } else res.end('followed');
    });

    const obs = reached(await probe({ url: `${url}/download` }));

    expect(obs.status).toBe(301);
    expect(obs.headers.location).toBe('/download/');
    expect(seen).toHaveLength(1);
  });

  it('sends Range and the caller headers, but no conditional headers', async () => {
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(206, { 'Content-Range': 'bytes 0-9/100' });
      res.end('0123456789');
    });

    const obs = reached(
      await probe({
        url: `${url}/f?cb=1`,
        range: 'bytes=0-9',
        headers: {
          'X-Token': 'abc',
          'If-None-Match': '"etag"',
          'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT',
        },
      }),
    );

    expect(obs).toMatchObject({ status: 206, bytes: 10 });
    expect(seen[0]?.url).toBe('/f?cb=1');
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.headers).toMatchObject({ range: 'bytes=0-9', 'x-token': 'abc' });
    expect(seen[0]?.headers['if-none-match']).toBeUndefined();
    expect(seen[0]?.headers['if-modified-since']).toBeUndefined();
  });

  it('sends the Host override', async () => {
    const { url, seen } = await serve((_req, res) => res.end('ok'));

    reached(await probe({ url, host: 'files.example.org' }));

    expect(seen[0]?.headers.host).toBe('files.example.org');
  });

  it('connectTo reaches the server while the URL host stays in the Host header', async () => {
    const { port, seen } = await serve((_req, res) => res.end('ok'));

    const withPort = reached(
      await probe({ url: `http://download.example.test:${port}/f`, connectTo: `127.0.0.1:${port}` }),
    );
    const withoutPort = reached(
      await probe({ url: `http://download.example.test:${port}/f`, connectTo: '127.0.0.1' }),
    );

    expect(withPort.status).toBe(200);
    expect(withoutPort.status).toBe(200);
    expect(seen.map((r) => r.headers.host)).toEqual([
      `download.example.test:${port}`,
      `download.example.test:${port}`,
    ]);
  });

  it('reports timing phases', async () => {
    const { port } = await serve((_req, res) => res.end('ok'));

    const byIp = reached(await probe({ url: `http://127.0.0.1:${port}/` }));
    const byName = reached(await probe({ url: `http://localhost:${port}/` }));

    expect(byIp.timings.connectMs).toBeTypeOf('number');
    expect(byIp.timings.firstByteMs).toBeGreaterThan(0);
    expect(byIp.timings.totalMs).toBeGreaterThan(0);
    expect(byIp.timings.transferMs).toBeTypeOf('number');
    expect(byIp.timings.dnsMs).toBeUndefined(); // no lookup for an IP literal
    expect(byIp.timings.tlsMs).toBeUndefined();
    expect(byName.timings.dnsMs).toBeTypeOf('number');
  });
});

describe('httpProbe: what a browser would get (issue 12)', () => {
  const BODY = Buffer.from('download-doctor sentinel\n'.repeat(200));

  it('keeps repeated headers apart in rawHeaders, in order', async () => {
    const { url } = await serve((_req, res) => {
      res.setHeader('Content-Disposition', ['attachment; filename="a.txt"', 'attachment; filename="b.txt"']);
      res.end('a');
    });

    const obs = reached(await probe({ url }));

    expect(obs.rawHeaders?.filter(([n]) => n === 'content-disposition')).toEqual([
      ['content-disposition', 'attachment; filename="a.txt"'],
      ['content-disposition', 'attachment; filename="b.txt"'],
    ]);
    expect(obs.headers['content-disposition']).toBe(
      'attachment; filename="a.txt", attachment; filename="b.txt"',
    );
  });

  it.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const)("asks for a browser's encodings and hashes the body decoded (%s)", async (coding, encode) => {
    const encoded = encode(BODY);
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': coding, 'Content-Length': encoded.length });
      res.end(encoded);
    });

    const obs = reached(await probe({ url, acceptEncoding: 'gzip, deflate, br, zstd' }));

    expect(seen[0]?.headers['accept-encoding']).toMatch(/^gzip, deflate, br/);
    expect(obs).toMatchObject({
      bytes: BODY.length,
      wireBytes: encoded.length,
      sha256: sha256(BODY),
      truncated: false,
    });
    expect(obs.decodeError).toBeUndefined();
  });

  it('reports a body that does not decode as its Content-Encoding says', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': BODY.length });
      res.end(BODY);
    });

    const obs = reached(await probe({ url, acceptEncoding: 'gzip' }));

    expect(obs.decodeError).toMatch(/incorrect header check.*\(Content-Encoding gzip\)$/);
  });

  it('without an Accept-Encoding, hashes the bytes as they come', async () => {
    const encoded = zlib.gzipSync(BODY);
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      res.end(encoded);
    });

    const obs = reached(await probe({ url }));

    expect(seen[0]?.headers['accept-encoding']).toBeUndefined();
    expect(obs).toMatchObject({ bytes: encoded.length, sha256: sha256(encoded) });
    expect(obs.wireBytes).toBeUndefined();
  });

  it('stops reading a body that grows past maxBytes at once, even an endless one', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const write = (): void => {
        while (res.write(chunk));
        res.once('drain', write);
      };
      write();
    });

    const { obs, ms } = await timed(() => probe({ url, maxBytes: 100, timeoutMs: 10_000 }));

    const r = reached(obs);
    expect(r.overflow).toBe(true);
    expect(r.bytes).toBeLessThanOrEqual(chunk.length + 2048);
    expect(r.truncated).toBe(false);
    expect(ms).toBeLessThan(2_000);
  });

  it('keeps the first bytes of an error document', async () => {
    const xml = '<?xml version="1.0"?><Error><Code>NoSuchBucket</Code></Error>';
    const { url } = await serve((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end(xml);
    });

    expect(reached(await probe({ url, maxBytes: 10 })).bodyHead).toBe(xml);
  });

  it('sends HEAD, and the validators of a conditional GET', async () => {
    const { url, seen } = await serve((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'Content-Length': 10 });
        res.end();
      } else {
        res.writeHead(304, { ETag: '"e"' });
        res.end();
      }
    });

    const head = reached(await probe({ url, method: 'HEAD', body: 'peek' }));
    const conditional = reached(
      await probe({ url, conditional: { etag: '"e"', lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT' } }),
    );

    expect(seen.map((r) => r.method)).toEqual(['HEAD', 'GET']);
    expect(head).toMatchObject({ status: 200, bytes: 0 });
    expect(seen[1]?.headers).toMatchObject({
      'if-none-match': '"e"',
      'if-modified-since': 'Tue, 24 Nov 2026 00:00:00 GMT',
    });
    expect(conditional).toMatchObject({ status: 304, bytes: 0 });
  });
});

describe('httpProbe: failures are results', () => {
  it('bad-response when the server answers with invalid HTTP, not "could not connect"', async () => {
    const port = await listen(
      net.createServer((socket) => {
        socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent Length: 3\r\n\r\nabc'));
      }),
    );

    const obs = failure(await probe({ url: `http://127.0.0.1:${port}/` }));

    expect(obs.kind).toBe('bad-response');
    expect(obs.error).toMatch(/^(HPE_\w+|HTTPParserError): Response does not match the HTTP\/1.1 protocol/);
  });

  it('bad-response when the headers are larger than a browser accepts (256 KiB)', async () => {
    const { url } = await serve((_req, res) => {
      res.setHeader('X-Huge', 'a'.repeat(300 * 1024));
      res.end('a');
    });

    const obs = failure(await probe({ url }));

    expect(obs.kind).toBe('bad-response');
    expect(obs.error).toMatch(/^UND_ERR_HEADERS_OVERFLOW/);
    // A large one that a browser takes is not refused.
    const { url: big } = await serve((_req, res) => {
      res.setHeader('X-Big', 'a'.repeat(64 * 1024));
      res.end('a');
    });
    expect(reached(await probe({ url: big })).status).toBe(200);
  });

  it('connect-refused on a port that was bound, then closed', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const obs = failure(await probe({ url: `http://127.0.0.1:${port}/` }));

    expect(obs.kind).toBe('connect-refused');
    expect(obs.error).toMatch(/^ECONNREFUSED: /);
    expect(obs.timings.totalMs).toBeGreaterThan(0);
  });

  it('timeout when the server never answers, within the deadline', async () => {
    const { url } = await serve(() => {}); // reads the request, never answers

    const { obs, ms } = await timed(() => probe({ url, timeoutMs: 500 }));

    expect(failure(obs).kind).toBe('timeout');
    expect(ms).toBeLessThan(1500);
  });

  it('timeout when the body stalls after the headers', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write(Buffer.alloc(10)); // then nothing
    });

    const { obs, ms } = await timed(() => probe({ url, timeoutMs: 500 }));

    expect(failure(obs).kind).toBe('timeout');
    expect(ms).toBeLessThan(1500);
  });

  it('timeout when a slow body outlasts the total deadline', async () => {
    // Each chunk arrives well within bodyTimeout; only the total deadline can stop this.
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000000' });
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
    });

    const { obs, ms } = await timed(() => probe({ url, timeoutMs: 600 }));

    expect(failure(obs)).toMatchObject({
      kind: 'timeout',
      error: 'TimeoutError: the 600 ms deadline expired while reading the body',
    });
    expect(ms).toBeLessThan(1600);
  });

  it('timeout when the TLS handshake never completes (connect deadline)', async () => {
    const port = await listen(net.createServer((socket) => socket.resume())); // accepts TCP, never speaks TLS

    const { obs, ms } = await timed(() =>
      probe({ url: `https://127.0.0.1:${port}/`, connectTimeoutMs: 300, timeoutMs: 3000 }),
    );

    const failed = failure(obs);
    expect(failed.kind).toBe('timeout');
    expect(failed.error).toMatch(/^UND_ERR_CONNECT_TIMEOUT: /);
    expect(ms).toBeLessThan(1300);
  });

  it('truncated when the body ends before Content-Length: status and headers are kept', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000', 'X-Accel-Redirect': '/internal/f' });
      res.write(Buffer.alloc(100, 'a'), () => setTimeout(() => res.socket?.destroy(), 20));
    });

    const obs = reached(await probe({ url }));

    expect(obs).toMatchObject({ status: 200, truncated: true, bytes: 100 });
    expect(obs.headers['x-accel-redirect']).toBe('/internal/f');
  });

  it('truncated when a chunked body breaks off before its last chunk', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200); // no Content-Length: chunked
      res.write(Buffer.alloc(100, 'a'), () => setTimeout(() => res.socket?.destroy(), 20));
    });

    const obs = reached(await probe({ url }));

    expect(obs).toMatchObject({ status: 200, truncated: true, bytes: 100 });
  });

  it('reset when the server resets the connection before answering', async () => {
    const { url } = await serve((req) => req.socket.resetAndDestroy());

    const obs = failure(await probe({ url }));

    expect(obs.kind).toBe('reset');
  });

  it('invalid-request for a bad URL, without throwing', async () => {
    const obs = failure(await probe({ url: 'not a url' }));

    expect(obs.kind).toBe('invalid-request');
  });

  it('never puts request header values in the error text', async () => {
    const { url } = await serve((_req, res) => res.end('ok'));

    const obs = failure(await probe({ url, headers: { Authorization: 'Bearer s3cr3t-value\r\nX: y' } }));

    expect(obs.kind).toBe('invalid-request');
    expect(obs.error).not.toContain('s3cr3t');
  });
});

describe('httpProbe: TLS', () => {
  let dir: string;
  let caFile: string;
  let key: Buffer;
  let cert: Buffer;

  beforeAll(() => {
    // A throw-away self-signed certificate for download.example.test, made fresh for this run.
    dir = mkdtempSync(join(tmpdir(), 'dd-tls-'));
    ({ certFile: caFile, key, cert } = makeCertificate(dir, { days: 1, names: ['download.example.test'] }));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function serveTls(): Promise<{ port: number; sni: (string | false | null)[] }> {
    const sni: (string | false | null)[] = [];
    const server = https.createServer({ key, cert }, (req, res) => {
      sni.push((req.socket as TLSSocket).servername);
      res.end('secure');
    });
    return { port: await listen(server), sni };
  }

  it('verifies against caFile with serverName as SNI', async () => {
    const { port, sni } = await serveTls();

    const obs = reached(
      await probe({
        url: `https://127.0.0.1:${port}/`,
        tls: { caFile, serverName: 'download.example.test' },
      }),
    );

    expect(obs).toMatchObject({ status: 200, sha256: sha256('secure') });
    expect(obs.timings.tlsMs).toBeTypeOf('number');
    // The handshake's certificate: valid for a day from its making (openssl counts to the second).
    const left = Date.parse(obs.certificateNotAfter ?? '') - Date.now();
    expect(left).toBeGreaterThan(86_400_000 - 120_000);
    expect(left).toBeLessThanOrEqual(86_400_000);
    expect(obs.timings.connectMs).toBeTypeOf('number');
    expect(sni).toEqual(['download.example.test']);
  });

  it('keeps the URL host as SNI with connectTo', async () => {
    const { port, sni } = await serveTls();

    const obs = reached(
      await probe({
        url: `https://download.example.test:${port}/`,
        connectTo: `127.0.0.1:${port}`,
        tls: { caFile },
      }),
    );

    expect(obs.status).toBe(200);
    expect(sni).toEqual(['download.example.test']);
  });

  it('tls when the certificate is not trusted', async () => {
    const { port } = await serveTls();

    const obs = failure(
      await probe({ url: `https://127.0.0.1:${port}/`, tls: { serverName: 'download.example.test' } }),
    );

    expect(obs.kind).toBe('tls');
    expect(obs.error).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  it('tls when the certificate does not name the host', async () => {
    const { port } = await serveTls();

    const obs = failure(
      await probe({ url: `https://127.0.0.1:${port}/`, tls: { caFile, serverName: 'other.example.test' } }),
    );

    expect(obs.kind).toBe('tls');
    expect(obs.error).toMatch(/^ERR_TLS_CERT_ALTNAME_INVALID: /);
  });

  it('invalid-request when caFile does not exist', async () => {
    const obs = failure(
      await probe({ url: 'https://127.0.0.1:1/', tls: { caFile: join(dir, 'missing.pem') } }),
    );

    expect(obs.kind).toBe('invalid-request');
  });
});
