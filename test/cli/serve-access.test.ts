/**
 * serve's endpoints as a service on a shared host (cli/serve/http.ts, cli/serve/access.ts): a real HTTP server on
 * loopback over a real store, its monitor running a stub target (no stack needed). A browser's log-in (a session
 * cookie, never the token), --public-status, the loopback Host rule without a token (DNS rebinding), the bound on
 * connections under a few hundred slow ones, the prompt header timeout, the CSP, and the scrape timeout clamped.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { PROBE_MIN_WAIT_MS, probeWaitMs, type ServerOptions } from '../../cli/serve/http.ts';
import { startStubServe } from '../fixtures/stub-serve.ts';

const TOKEN = 'access-test-token-0123456789';
const started: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of started) await close();
});

async function start(o: Partial<ServerOptions> = {}) {
  const serve = await startStubServe(o);
  started.push(serve.close);
  return serve;
}

/** A request with node:http (fetch does not let a test set Host or read Set-Cookie freely). */
function request(
  port: number,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('a browser logs in with the token', () => {
  it('is sent to the log-in page, gets a session cookie (not the token) and sees /; logs out', async () => {
    const { port } = await start({ token: TOKEN });
    const first = await request(port, '/status/prod', { headers: { accept: 'text/html' } });
    expect([first.status, first.headers.location]).toEqual([303, '/login?next=%2Fstatus%2Fprod']);
    const page = await request(port, '/login?next=%2Fstatus%2Fprod');
    expect(page.body).toContain('<form class="login" method="post" action="/login">');
    expect(page.body).toContain('value="/status/prod"');

    const wrong = await request(port, '/login', form({ token: 'not-the-token-at-all', next: '/' }));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('That is not the token.');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const ok = await request(port, '/login', form({ token: TOKEN, next: '/status/prod' }));
    expect([ok.status, ok.headers.location]).toEqual([303, '/status/prod']);
    const cookie = ok.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^dd_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0] ?? '';
    const home = await request(port, '/', { headers: { cookie: session, accept: 'text/html' } });
    expect(home.status).toBe(200);
    expect(home.body).toContain('data-target="prod" data-status="healthy"');
    expect(home.body).toContain('action="/logout"');
    expect((await request(port, '/targets/prod?format=json', { headers: { cookie: session } })).status).toBe(
      200,
    );
    // Machines keep the bearer header.
    const metrics = await request(port, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(metrics.status).toBe(200);
    const none = await request(port, '/metrics');
    expect([none.status, none.body]).toEqual([401, 'a bearer token is required\n']);
    // A token sent that is not serve's is said to be wrong, not missing (RFC 6750's invalid_token).
    const bad = await request(port, '/metrics', {
      headers: { authorization: 'Bearer not-the-token-at-all' },
    });
    expect([bad.status, bad.body]).toEqual([401, 'this bearer token is not the one serve was given\n']);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="download-doctor", error="invalid_token"');
    // A target /probe does not know is named as such.
    const unknown = await request(port, '/probe?target=nope', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect([unknown.status, unknown.body]).toEqual([404, '/probe: no target named "nope" (one of: prod)\n']);

    const out = await request(port, '/logout', { method: 'POST', headers: { cookie: session } });
    expect([out.status, out.headers.location]).toEqual([303, '/login']);
    expect(out.headers['set-cookie']?.[0]).toContain('Max-Age=0');
    expect((await request(port, '/', { headers: { cookie: session } })).status).toBe(401);
  });

  it('goes only to a path of its own after logging in, and refuses a form from another origin', async () => {
    const { port } = await start({ token: TOKEN });
    // A browser drops tabs and line breaks from a URL and reads `/\` as `//`: each of these would leave the site.
    for (const next of [
      '//evil.example/',
      'https://evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
    ])
      expect((await request(port, '/login', form({ token: TOKEN, next }))).headers.location).toBe('/');
    expect(
      (await request(port, '/login', form({ token: TOKEN, next: '/status/prod?x=1' }))).headers.location,
    ).toBe('/status/prod?x=1');
    const foreign = form({ token: TOKEN, next: '/' });
    const r = await request(port, '/login', {
      ...foreign,
      headers: { ...foreign.headers, origin: 'http://evil.example' },
    });
    expect(r.status).toBe(403);
    // Behind a TLS proxy that rewrites Host (nginx's and Apache's default), the browser's host is X-Forwarded-Host.
    const proxied = await request(port, '/login', {
      ...foreign,
      headers: {
        ...foreign.headers,
        origin: 'https://status.example.com',
        'x-forwarded-host': 'status.example.com',
      },
    });
    expect(proxied.status).toBe(303);
  });

  it('answers a path that is not valid percent-encoding with a 404, not a 500', async () => {
    const { port } = await start({ token: TOKEN });
    const r = await request(port, '/targets/%E0', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(404);
  });

  it('--public-status: / and /status/NAME for anyone, without the details; the rest keeps the token', async () => {
    const { port } = await start({ token: TOKEN, publicStatus: true });
    const home = await request(port, '/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('data-status="healthy"');
    expect(home.body).not.toContain('alarms:');
    expect((await request(port, '/status/prod')).status).toBe(200);
    expect((await request(port, '/health')).status).toBe(200);
    for (const path of ['/metrics', '/probe?target=prod', '/targets/prod'])
      expect((await request(port, path)).status, path).toBe(401);
  });
});

describe('hardened on a shared host', () => {
  it('without a token, answers only requests to a loopback host (DNS rebinding)', async () => {
    const { port } = await start();
    for (const path of ['/', '/probe?target=prod', '/targets/prod', '/metrics']) {
      const r = await request(port, path, { headers: { host: `rebound.example:${port}` } });
      expect(r.status, path).toBe(421);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST'])
      expect((await request(port, '/', { headers: { host } })).status, host).toBe(200);
    expect((await request(port, '/health', { headers: { host: 'rebound.example' } })).status).toBe(200);
    expect((await request(port, '/login')).status).toBe(303);
  });

  it('sends a CSP with form-action, base-uri and frame-ancestors, and a page that reloads itself', async () => {
    const { port } = await start();
    const r = await request(port, '/');
    const csp = r.headers['content-security-policy'] ?? '';
    for (const d of ["default-src 'none'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"])
      expect(csp).toContain(d);
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.body).toContain('<meta http-equiv="refresh" content="60">');
    expect(r.body).not.toMatch(/<script/);
  });

  it('a few hundred slow connections do not keep /health from answering: past the bound, the oldest goes', async () => {
    const { server, port } = await start({ maxConnections: 64 });
    const slow: net.Socket[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      closed.push(new Promise((r) => s.once('close', () => r())));
      s.write('GET / HTTP/1.1\r\nHost: localhost\r\n'); // headers never finished
      slow.push(s);
    }
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    const health = await request(port, '/health');
    expect(health.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    const open = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
    expect(open).toBeLessThanOrEqual(65);
    for (const s of slow) s.destroy();
    await Promise.all(closed);
  });

  it('closes a connection whose headers do not come within the deadline, checked each second', async () => {
    const { port } = await start({ headersTimeoutMs: 1_000 });
    const s = net.connect(port, '127.0.0.1');
    const started = performance.now();
    s.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      s.on('data', (c) => {
        got += c;
      });
      s.on('close', () => resolve(got));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(performance.now() - started).toBeLessThan(2_600);
  });
});

describe("Prometheus's scrape timeout", () => {
  const bound = 30_000;
  it.each([
    [undefined, bound],
    ['', bound],
    ['abc', bound],
    ['0', bound],
    ['-5', bound],
    ['10', 9_500],
    ['0.2', PROBE_MIN_WAIT_MS],
    ['0.001', PROBE_MIN_WAIT_MS],
    ['1e9', bound],
    [['4', '8'], 3_500],
  ])('%j gives a wait of %i ms (clamped, never a deadline no run can meet)', (header, ms) => {
    expect(probeWaitMs(header, bound)).toBe(ms);
  });
});
