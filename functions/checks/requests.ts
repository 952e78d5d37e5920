/** Builds the probes' requests from a target. Pure: the secrets are resolved before, the nonce is given. */
import type { HttpCheckConfig } from '../config/schema.ts';
import type { HttpProbeRequest } from './probes.ts';

export const USER_AGENT = 'download-doctor/0.1 (+healthcheck)';
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export function httpRequest(
  check: HttpCheckConfig,
  headers: Record<string, string>,
  options: {
    body: HttpProbeRequest['body'];
    nonce: string;
    /** Another URL than the check's (the negative probe's internal URL). */
    url?: string;
    range?: string;
    headBytes?: number;
    /** `false`: no cache-busting parameter, whatever the check says (a signed URL takes no extra one). */
    cacheBust?: false;
  } & Pick<HttpProbeRequest, 'method' | 'maxBytes' | 'acceptEncoding' | 'conditional'>,
): HttpProbeRequest {
  const url = new URL(options.url ?? check.url);
  if (check.cacheBust && options.cacheBust !== false) url.searchParams.set(check.cacheBust, options.nonce);
  const request: HttpProbeRequest = {
    url: url.toString(),
    headers: { 'user-agent': USER_AGENT, ...headers },
    timeoutMs: check.timeoutMs,
    connectTimeoutMs: check.connectTimeoutMs ?? Math.min(DEFAULT_CONNECT_TIMEOUT_MS, check.timeoutMs),
    body: options.body,
  };
  if (options.range) request.range = options.range;
  if (options.headBytes) request.headBytes = options.headBytes;
  if (options.method) request.method = options.method;
  if (options.maxBytes !== undefined) request.maxBytes = options.maxBytes;
  if (options.acceptEncoding) request.acceptEncoding = options.acceptEncoding;
  if (options.conditional) request.conditional = { ...options.conditional };
  if (check.host) request.host = check.host;
  if (check.connectTo) request.connectTo = check.connectTo;
  if (check.tls) request.tls = { ...check.tls };
  return request;
}

/** A URL as it may be printed: no user info, no query (it may carry tokens). */
export function printableUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
