/**
 * What `hash` and `init` learn from a file or a live stack: the sentinel's sha256, size, content type and
 * download name, and the offload header the app answers with. One request each, with a deadline; anything that
 * is not a working answer is a UsageError (exit 2) in one line.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { dispositionFileName, SIGNED_QUERY } from '../functions/checks/conditions.ts';
import type { HttpProbeRequest } from '../functions/checks/probes.ts';
import type { S3Address } from '../functions/config/targets.ts';
import { UsageError } from '../functions/contract/errors.ts';
import { FAILURE_KINDS, OFFLOAD_HEADERS, type OffloadHeader } from '../functions/contract/names.ts';
import type { HttpObservation } from '../functions/contract/types.ts';
import { httpProbe } from '../functions/probes/http.ts';
import { s3FileUrlPrefix } from '../functions/snippets/django.ts';
import { smallYoungGeneration } from './heap.ts';

export interface SentinelFacts {
  sha256: string;
  size: number;
  contentType?: string;
  fileName?: string;
}

export interface OffloadFacts {
  header: OffloadHeader;
  value: string;
}

/** What the app's own port answered: the offload header as the config expects it, and whether it was signed. */
export interface AppAnswer {
  offload: OffloadFacts;
  /** The value carried a signed query (X-Amz-Signature=…): the app signs for a private bucket. */
  signed: boolean;
}

/** What an anonymous GET of the sentinel's S3 object from this machine got: read, refused, or neither. */
export type AnonymousRead =
  | { readable: true }
  | { readable: false }
  | { readable: undefined; detail: string };

const TIMEOUT_MS = 30_000;

function httpUrl(raw: string, option: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${option}: not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${option}: must be an http(s) URL (got "${raw}")`);
  }
  return url.href;
}

async function get(url: string, body: HttpProbeRequest['body'], option: string) {
  const obs: HttpObservation = await httpProbe({
    url: httpUrl(url, option),
    headers: {},
    timeoutMs: TIMEOUT_MS,
    connectTimeoutMs: 5_000,
    body,
  });
  if (!obs.reached) throw new UsageError(`${option} ${url}: ${FAILURE_KINDS[obs.kind]} (${obs.error})`);
  if (obs.status !== 200) {
    const where = obs.headers.location ? ` to ${obs.headers.location}` : '';
    throw new UsageError(
      `${option} ${url}: answered ${obs.status}${where}, expected 200 (redirects are not followed)`,
    );
  }
  return obs;
}

/** Downloads `url` once (streamed through sha256) and describes it as the config's `sentinel` block. */
export async function sentinelOfUrl(url: string, option = 'the URL'): Promise<SentinelFacts> {
  // Its size is not known beforehand: a big file's buffers are freed as they go (cli/heap.ts).
  smallYoungGeneration();
  const obs = await get(url, 'hash', option);
  if (obs.truncated) throw new UsageError(`${option} ${url}: the body ended before its Content-Length`);
  const contentType = obs.headers['content-type'];
  const fileName = dispositionFileName(obs.headers['content-disposition']);
  return {
    sha256: obs.sha256 ?? '',
    size: obs.bytes,
    ...(contentType ? { contentType } : {}),
    ...(fileName ? { fileName } : {}),
  };
}

/** A local file, streamed through sha256; its content type guessed from its name, as Django would. */
export async function sentinelOfFile(path: string): Promise<SentinelFacts> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    throw new UsageError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const { default: mime } = await import('mime-types');
  const type = mime.contentType(basename(path));
  return { sha256: hash.digest('hex'), size, ...(type ? { contentType: type } : {}) };
}

/** The offload header the app's own port answers with, read from the headers only. */
export async function offloadOfApp(url: string, option = '--app'): Promise<AppAnswer> {
  const obs = await get(url, 'peek', option);
  for (const header of OFFLOAD_HEADERS) {
    const value = obs.headers[header.toLowerCase()];
    if (value === undefined) continue;
    // X-Accel-Redirect is a URL: its query (a private bucket's signature, new on every answer) is not part of what
    // the app must send, and is compared apart (assess.ts). X-Sendfile is a path, kept whole.
    const accel = header === 'X-Accel-Redirect';
    return {
      offload: { header, value: accel ? (value.split('?')[0] ?? value) : value },
      signed: accel && SIGNED_QUERY.test(value),
    };
  }
  const streamed = obs.bytes > 0 ? ', and sent the file itself (no offloading)' : '';
  throw new UsageError(
    `${option} ${url}: answered without an offload header (${OFFLOAD_HEADERS.join(', ')})${streamed}: ` +
      "is this the app's own port, not the proxy's? If it is: is django-downloadview's middleware on, and " +
      "does its rule match the file's storage?",
  );
}

/**
 * An anonymous GET of the sentinel's object, straight from S3 (headers only): whether anyone may read the bucket,
 * as far as this machine tells. A 403 says that not everyone may; a 200, that this machine may (anyone, or a
 * network path it shares with the proxy).
 */
export async function anonymousRead(storage: S3Address & { key: string }): Promise<AnonymousRead> {
  const url = `${s3FileUrlPrefix(storage)}${storage.key.split('/').map(encodeURIComponent).join('/')}`;
  const obs = await httpProbe({ url, headers: {}, timeoutMs: 10_000, connectTimeoutMs: 5_000, body: 'peek' });
  if (!obs.reached) return { readable: undefined, detail: FAILURE_KINDS[obs.kind] };
  if (obs.status === 200) return { readable: true };
  if (obs.status === 403) return { readable: false };
  return { readable: undefined, detail: `S3 answered ${obs.status}` };
}
