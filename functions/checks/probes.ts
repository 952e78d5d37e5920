/**
 * The contract between the checks (pure) and the probes (all I/O). Checks build a request, a probe performs it
 * and reports what it saw; it never throws for a network failure, it returns `reached: false` with a kind.
 */
import type { S3StorageConfig, StorageConfig } from '../config/schema.ts';
import type { FailureKind } from '../contract/names.ts';
import type { HttpObservation, StorageObservation } from '../contract/types.ts';

export interface HttpProbeRequest {
  /** The final URL, cache-busting parameter included. */
  url: string;
  /** Host header to send instead of the URL's host. */
  host?: string;
  /** Request headers, secrets already resolved. Never logged. */
  headers: Record<string, string>;
  /** Connect to this "host[:port]" instead of the URL's host (the URL's Host and SNI are kept). */
  connectTo?: string;
  tls?: { caFile?: string; serverName?: string };
  /** Deadline of the whole exchange, and of the connection alone. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** `hash`: stream the whole body through sha256. `peek`: read at most the first chunk, then drop the rest. */
  body: 'hash' | 'peek';
  /** A Range header value, such as `bytes=0-9`. */
  range?: string;
  /** With `hash`: also hash the body's first N bytes (to compare a range response with the whole file). */
  headBytes?: number;
  /** @default 'GET' */
  method?: 'GET' | 'HEAD';
  /**
   * With `hash`: stop reading once the body has grown past this many bytes (and past BODY_HEAD_BYTES, to keep an
   * error document whole): a size mismatch needs no more, and memory stays bounded.
   */
  maxBytes?: number;
  /**
   * Sent as Accept-Encoding (a browser's, say); the body is then decoded by its Content-Encoding (gzip, deflate,
   * br, zstd) before it is hashed, as a browser would save it.
   */
  acceptEncoding?: string;
  /** A conditional GET: the validators a first answer gave (sent as If-None-Match and If-Modified-Since). */
  conditional?: { etag?: string; lastModified?: string };
}

/** What the storage probe is asked besides the storage's settings. */
export interface StorageProbeOptions {
  /** Stop reading once the object has grown past this many bytes (the sentinel's size). */
  maxBytes?: number;
}

/** A signed query for a GET of the sentinel, or why it could not be made (the monitor's own problem). */
export type PresignResult = { ok: true; query: string } | { ok: false; kind: FailureKind; error: string };

export type HttpProbe = (request: HttpProbeRequest) => Promise<HttpObservation>;
export type StorageProbe = (
  storage: StorageConfig,
  options?: StorageProbeOptions,
) => Promise<StorageObservation>;
/** Signs a GET of the storage's sentinel, valid for `expiresIn` seconds (default 60). */
export type PresignProbe = (storage: S3StorageConfig, expiresIn?: number) => Promise<PresignResult>;

export interface Probes {
  http: HttpProbe;
  storage: StorageProbe;
  /** For the proxy check of a private bucket (storage.proxyAuth "presigned"). */
  presign: PresignProbe;
}
