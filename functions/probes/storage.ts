/**
 * The storage probe: reads the sentinel straight from storage (S3 GetObject, or a file) and streams it through
 * sha256, never holding it whole. Failures are results with a kind; only `putSentinel` throws.
 *
 * Deadlines: the S3 client bounds the connection and the request, and an AbortSignal bounds the whole read,
 * body included. A deadline that expires after S3 has answered is kind `timeout` (S3 was reachable, just too
 * slow); before it, the SDK's timeout classifies as `s3-unreachable`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { addAbortSignal, Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { PresignProbe, StorageProbe, StorageProbeOptions } from '../checks/probes.ts';
import type { StorageConfig } from '../config/schema.ts';
import { s3PathStyle } from '../config/targets.ts';
import type { FailureKind } from '../contract/names.ts';
import type { StorageObservation } from '../contract/types.ts';
import { classifyFsError, classifyS3Error, type S3ErrorLike } from './classify.ts';
import { type Clock, timings } from './clock.ts';
import { hashFileAs } from './read-as.ts';

export type S3Storage = Extract<StorageConfig, { type: 's3' }>;
export type FsStorage = Extract<StorageConfig, { type: 'filesystem' }>;

/** S3 clients reused across probes with the same settings (a Lambda keeps them warm between invocations). */
export interface S3ClientCache {
  get(storage: S3Storage): S3Client;
  /** Destroys every client (closes their sockets). */
  destroy(): void;
}

/**
 * The variables the SDK's default credential chain reads: a client keeps the credentials it found, so a client
 * made before they changed is not reused (a hash of them, never the values, is part of the cache key).
 */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];
const credentialSource = () =>
  createHash('sha256')
    .update(CREDENTIAL_VARIABLES.map((name) => process.env[name] ?? '').join('\0'))
    .digest('hex')
    .slice(0, 16);

/**
 * A small cache of S3 clients keyed by region, endpoint, addressing style, deadline and credential source; the
 * oldest is evicted.
 */
export function createS3ClientCache(maxClients = 4): S3ClientCache {
  const clients = new Map<string, S3Client>();
  return {
    get(storage) {
      const forcePathStyle = s3PathStyle(storage);
      const key = [
        storage.region,
        storage.endpoint ?? '',
        forcePathStyle,
        storage.timeoutMs,
        storage.roleArn ?? '',
        credentialSource(),
      ].join('|');
      let client = clients.get(key);
      if (!client) {
        if (clients.size >= maxClients) {
          const [oldestKey, oldest] = clients.entries().next().value as [string, S3Client];
          oldest.destroy();
          clients.delete(oldestKey);
        }
        client = newS3Client(storage, forcePathStyle);
        clients.set(key, client);
      }
      return client;
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

/**
 * The credentials of `roleArn` (storage.roleArn), assumed with the process's own; the STS client loads on first
 * use only. The SDK client memoizes them and refreshes them before they expire.
 */
function assumedRole(roleArn: string, region: string): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (props) => {
    provider ??= import('@aws-sdk/credential-providers').then((m) =>
      m.fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: 'download-doctor-storage-check', DurationSeconds: 900 },
        clientConfig: { region },
      }),
    );
    return (await provider)(props);
  };
}

function newS3Client(storage: S3Storage, forcePathStyle: boolean): S3Client {
  return new S3Client({
    region: storage.region,
    ...(storage.roleArn ? { credentials: assumedRole(storage.roleArn, storage.region) } : {}),
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
    // moto and most S3-compatible stores need path-style URLs; real S3 accepts both.
    forcePathStyle,
    // S3 documents occasional 500/503 as normal and to be retried: one retry, inside the same deadline,
    // keeps them from paging anyone while a lasting fault still fails the check.
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: Math.min(storage.timeoutMs, 5_000),
      requestTimeout: storage.timeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: storage.timeoutMs,
    },
    // We hash the body ourselves; the SDK's flexible checksums trip up some S3-compatible stores.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const sharedClients = createS3ClientCache();

/** A storage probe with its own S3 client cache (tests make one each, and destroy it afterwards). */
export function createStorageProbe(clients: S3ClientCache = createS3ClientCache()): StorageProbe {
  return (storage, options = {}) =>
    storage.type === 's3' ? probeS3(storage, clients, options) : probeFile(storage, options);
}

export const storageProbe: StorageProbe = createStorageProbe(sharedClients);

/**
 * Signs a GET of the sentinel with the monitor's credentials and returns the signed query, for a request that
 * reaches S3 through the proxy (the proxy check of a private bucket). Nothing goes over the network but the
 * credentials' own lookup (a role's, on AWS).
 */
export function createPresignProbe(clients: S3ClientCache = createS3ClientCache()): PresignProbe {
  return async (storage, expiresIn = 60) => {
    try {
      const url = await getSignedUrl(
        clients.get(storage),
        new GetObjectCommand({ Bucket: storage.bucket, Key: storage.key }),
        { expiresIn },
      );
      return { ok: true, query: new URL(url).search.slice(1) };
    } catch (err) {
      // Signing only needs the monitor's credentials and settings: whatever fails here is the monitor's own.
      const e = err as Error;
      const kind = classifyS3Error(e) === 'monitor-credentials' ? 'monitor-credentials' : 'monitor-signing';
      return { ok: false, kind, error: `could not sign the request: ${e.name}: ${e.message}` };
    }
  };
}

export const presignProbe: PresignProbe = createPresignProbe(sharedClients);

/** What the object carries besides its bytes that reaches clients through the proxy, by response header. */
const METADATA = {
  'content-type': 'ContentType',
  'content-encoding': 'ContentEncoding',
  'content-disposition': 'ContentDisposition',
  'cache-control': 'CacheControl',
} as const;

async function probeS3(
  storage: S3Storage,
  clients: S3ClientCache,
  options: StorageProbeOptions,
): Promise<StorageObservation> {
  const clock: Clock = { start: performance.now() };
  const signal = AbortSignal.timeout(storage.timeoutMs);
  let answered = false;
  try {
    const client = clients.get(storage);
    const out = await client.send(new GetObjectCommand({ Bucket: storage.bucket, Key: storage.key }), {
      abortSignal: signal,
    });
    answered = true;
    clock.firstByteMs = performance.now() - clock.start;
    if (!(out.Body instanceof Readable)) throw new Error('GetObject returned no readable body');
    const read = await hashStream(addAbortSignal(signal, out.Body), options.maxBytes);
    clock.transferMs = performance.now() - clock.start - clock.firstByteMs;
    const metadata: Record<string, string> = {};
    for (const [header, field] of Object.entries(METADATA)) {
      const value = out[field];
      if (value) metadata[header] = value;
    }
    // The object's validators: a copy on the way (a cache, a CDN) that serves old bytes replays old ones.
    if (out.ETag) metadata.etag = out.ETag;
    if (out.LastModified) metadata['last-modified'] = out.LastModified.toUTCString();
    return {
      reached: true,
      bytes: read.bytes,
      sha256: read.sha256,
      ...(read.overflow ? { overflow: true } : {}),
      metadata,
      metadataSource: 'object',
      timings: timings(clock),
    };
  } catch (err) {
    const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as S3ErrorLike;
    if (signal.aborted) {
      const when = answered ? 'while reading the body' : 'before S3 answered';
      const kind: FailureKind = answered ? 'timeout' : 's3-unreachable';
      const error = `TimeoutError: the ${storage.timeoutMs} ms deadline expired ${when}`;
      return { reached: false, kind, error, timings: timings(clock) };
    }
    return { reached: false, kind: classifyS3Error(e), error: describeS3Error(e), timings: timings(clock) };
  }
}

/**
 * What a front server's type map says of a file's name (the Content-Type it sends when it sets one from the
 * name): mime-db's, which nginx's mime.types, Debian's /etc/mime.types and lighttpd's map agree with for common
 * names. Loaded only for a disk storage.
 */
async function typeMap(path: string): Promise<Record<string, string>> {
  const { default: mime } = await import('mime-types');
  const type = mime.lookup(path);
  return type ? { 'content-type': type } : {};
}

/** A file read (in process or as another user): its bytes, and what a type map says of its name. */
async function fileRead(
  storage: FsStorage,
  read: { bytes: number; sha256: string; overflow?: boolean | undefined },
  clock: Clock,
): Promise<StorageObservation> {
  return {
    reached: true,
    bytes: read.bytes,
    sha256: read.sha256,
    ...(read.overflow ? { overflow: true } : {}),
    metadata: await typeMap(storage.path),
    metadataSource: 'type-map',
    timings: timings(clock),
  };
}

async function probeFile(storage: FsStorage, options: StorageProbeOptions): Promise<StorageObservation> {
  if (storage.readAs) return probeFileAs(storage, storage.readAs, options);
  const clock: Clock = { start: performance.now() };
  const signal = AbortSignal.timeout(storage.timeoutMs);
  try {
    const read = await hashStream(createReadStream(storage.path, { signal }), options.maxBytes);
    const end = performance.now();
    clock.firstByteMs = (read.firstChunkAt ?? end) - clock.start;
    clock.transferMs = end - clock.start - clock.firstByteMs;
    return await fileRead(storage, read, clock);
  } catch (err) {
    if (signal.aborted) {
      const error = `TimeoutError: the ${storage.timeoutMs} ms deadline expired while reading the file`;
      return { reached: false, kind: 'timeout', error, timings: timings(clock) };
    }
    const e = err as NodeJS.ErrnoException;
    const code = e.code ?? e.name;
    // Node's fs messages already start with the code ("ENOENT: no such file or directory, open ...").
    const error = e.message.startsWith(code) ? e.message : `${code}: ${e.message}`;
    return { reached: false, kind: classifyFsError(e.code), error, timings: timings(clock) };
  }
}

/** The file read by a child process as `user`, killed at the deadline (see read-as.ts). */
async function probeFileAs(
  storage: FsStorage,
  user: string,
  options: StorageProbeOptions,
): Promise<StorageObservation> {
  const clock: Clock = { start: performance.now() };
  const out = await hashFileAs(storage.path, user, storage.timeoutMs, options.maxBytes);
  if (out.ok) {
    // The child's clock starts once it runs: its first byte is the file's, without the process start.
    if (out.firstByteMs !== undefined) clock.firstByteMs = out.firstByteMs;
    return fileRead(storage, out, clock);
  }
  return { reached: false, kind: out.kind, error: out.error, timings: timings(clock) };
}

/**
 * Writes the sentinel (used by `download-doctor seed`) and returns what the checks must expect.
 * Unlike the probes, it throws: a seed that fails is an error for the person running it.
 */
export async function putSentinel(
  storage: S3Storage,
  body: Buffer | string,
  contentType?: string,
  clients: S3ClientCache = sharedClients,
): Promise<{ sha256: string; size: number }> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  await clients.get(storage).send(
    new PutObjectCommand({
      Bucket: storage.bucket,
      Key: storage.key,
      Body: bytes,
      ...(contentType ? { ContentType: contentType } : {}),
    }),
    { abortSignal: AbortSignal.timeout(storage.timeoutMs) },
  );
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

/**
 * Streams a body through sha256, counting bytes: memory stays at one chunk whatever the size. Past `maxBytes`,
 * reading stops (leaving the loop destroys the stream): the size already says the object is not the sentinel.
 */
async function hashStream(
  stream: AsyncIterable<unknown>,
  maxBytes = Number.MAX_SAFE_INTEGER,
): Promise<{ bytes: number; sha256: string; firstChunkAt?: number; overflow: boolean }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let firstChunkAt: number | undefined;
  let overflow = false;
  for await (const chunk of stream) {
    firstChunkAt ??= performance.now();
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      overflow = true;
      break;
    }
  }
  return {
    bytes,
    sha256: hash.digest('hex'),
    overflow,
    ...(firstChunkAt === undefined ? {} : { firstChunkAt }),
  };
}

/**
 * `NoSuchKey (HTTP 404): The specified key does not exist.` — the code, the status when known, the message, and
 * the bucket's region when S3 names it (a redirect to another region).
 */
function describeS3Error(err: S3ErrorLike & { $response?: { headers?: Record<string, string> } }): string {
  const name = err.name && err.name !== 'Error' && err.name !== 'Unknown' ? err.name : undefined;
  const code = err.Code ?? err.code ?? name;
  const status = err.$metadata?.httpStatusCode;
  // The SDK fills in "UnknownError" when the answer had no body (moto's 403): say so plainly.
  const message = err.message && err.message !== code && err.message !== 'UnknownError' ? err.message : '';
  const region = err.$response?.headers?.['x-amz-bucket-region'];
  const where = region ? ` (S3 says the bucket is in ${region}: set storage.region)` : '';
  if (!code && status) return `HTTP ${status} without an error code${message ? `: ${message}` : ''}${where}`;
  return `${code ?? 'Error'}${status ? ` (HTTP ${status})` : ''}${message ? `: ${message}` : ''}${where}`;
}
