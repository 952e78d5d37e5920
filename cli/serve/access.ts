/**
 * Who may read what from `serve`, and how many may be connected:
 *   - machines send `Authorization: Bearer TOKEN`; a browser logs in once (/login posts the token) and gets a session:
 *     a random id in an HttpOnly, SameSite=Strict cookie, kept on the server with its expiry; never the token;
 *   - without a token, only requests that name a loopback host are answered (DNS rebinding: a page elsewhere whose
 *     name resolves to 127.0.0.1 must not read the reports or trigger /probe);
 *   - a bound on connections: past it, the connection that has waited longest without a request under way is closed
 *     to make room (many slow connections cannot keep /health from answering).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Socket } from 'node:net';

export const SESSION_COOKIE = 'dd_session';
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Past this many sessions, the oldest ends. */
const SESSIONS_KEPT = 1_000;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time: the token's length leaks no more than its value. */
export function sameToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

export function bearerOf(req: http.IncomingMessage): string | undefined {
  return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
}

export function cookieOf(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Sessions in memory, by the digest of their id (a restart logs everyone out). */
export class Sessions {
  private readonly expiry = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly ttlMs = SESSION_TTL_MS,
  ) {}

  /** A new session's id, 32 random bytes. */
  create(): string {
    const id = randomBytes(32).toString('base64url');
    if (this.expiry.size >= SESSIONS_KEPT) {
      const oldest = this.expiry.keys().next().value;
      if (oldest !== undefined) this.expiry.delete(oldest);
    }
    this.expiry.set(digest(id).toString('hex'), this.now() + this.ttlMs);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id) return false;
    const key = digest(id).toString('hex');
    const until = this.expiry.get(key);
    if (until === undefined) return false;
    if (until <= this.now()) {
      this.expiry.delete(key);
      return false;
    }
    return true;
  }

  end(id: string | undefined): void {
    if (id) this.expiry.delete(digest(id).toString('hex'));
  }
}

/** The cookie that holds a session: HttpOnly, SameSite=Strict; Secure when the client came over HTTPS (a proxy). */
export function sessionCookie(id: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

/** Whether a host name or address is loopback: `localhost`, 127.0.0.0/8, `::1` (with or without brackets). */
export const isLoopback = (name: string): boolean =>
  /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i.test(name);

/** Whether a request's Host header names a loopback host (absent: HTTP/1.0 without Host, which no browser sends). */
export function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host)?.[1];
  return name !== undefined && isLoopback(name);
}

/**
 * Where to go after logging in: a path of this server only, else `/`. Resolved as a browser resolves it (which drops
 * tabs and line breaks, and reads `/\` as `//`), so that nothing that resolves to another host passes.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith('/')) return '/';
  const base = 'http://serve.invalid';
  const url = URL.parse(next, base);
  return url && url.origin === base ? `${url.pathname}${url.search}` : '/';
}

/**
 * Whether a form's Origin is this server: its host as the browser named it, which is the Host header, or, behind a
 * reverse proxy that rewrites Host (nginx's and Apache's default), the X-Forwarded-Host it sends. A page of another
 * site cannot set either on a form it posts.
 */
export function sameOrigin(
  origin: string | undefined,
  host: string | undefined,
  forwardedHost?: string,
): boolean {
  if (origin === undefined || origin === 'null') return true;
  const from = URL.parse(origin)?.host;
  const forwarded = forwardedHost?.split(',')[0]?.trim();
  return from !== undefined && (from === host || (forwarded !== undefined && from === forwarded));
}

/**
 * Bounds the connections of `server` to `max`. A connection counts from its accept to its close; one with no
 * request under way (still sending its headers, or idle between requests) may be closed to make room for a new one,
 * the one that has waited longest first. When every connection has a request under way, the new one is refused.
 */
export function boundConnections(server: http.Server, max: number): { open: () => number } {
  const waiting = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= max) {
      const oldest = waiting.values().next().value;
      if (!oldest) {
        socket.destroy();
        return;
      }
      waiting.delete(oldest);
      oldest.destroy();
    }
    open += 1;
    waiting.add(socket);
    socket.once('close', () => {
      open -= 1;
      waiting.delete(socket);
    });
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    waiting.delete(socket);
    res.once('finish', () => {
      if (!socket.destroyed) waiting.add(socket);
    });
  });
  return { open: () => open };
}
