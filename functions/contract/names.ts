/**
 * The shared vocabulary: layers, failure kinds, faults and statuses.
 * The JSON output, the verdict rules, the metrics, the alarms and the docs all take their names from here.
 */

/** Version of the JSON report (`download-doctor run --format json`). Bump on any breaking change. */
export const SCHEMA_VERSION = 1;

/** The four checks, one per layer of the download stack. */
export const LAYERS = ['end-to-end', 'app', 'storage', 'proxy'] as const;
export type Layer = (typeof LAYERS)[number];

/** What each layer's check proves when it passes (for help texts and reports). */
export const LAYER_DESCRIPTIONS: Record<Layer, string> = {
  'end-to-end': 'through the proxy, the healthcheck download route returns the sentinel',
  app: "the app's own port answers the healthcheck route with the offload header, and no body",
  storage: 'the sentinel can be read from storage, with the expected bytes',
  proxy: 'a proxy location serves the sentinel straight from storage (without the app)',
};

/**
 * Machine-readable failure kinds, with the one-line meaning used in reports.
 * A kind in INCONCLUSIVE_KINDS means the check could not run at all: it is evidence for `unknown`, never a pass.
 */
export const FAILURE_KINDS = {
  dns: 'the host name does not resolve',
  'connect-refused': 'the connection was refused',
  'connect-failed': 'the connection could not be established',
  timeout: 'a deadline expired',
  tls: 'the TLS handshake or certificate was rejected',
  reset: 'the connection was reset',
  'bad-response':
    'the server answered badly: invalid HTTP, or headers larger than a browser accepts (not a network fault)',
  truncated: 'the body ended before the announced length',
  status: 'unexpected HTTP status',
  'header-mismatch': 'a response header has an unexpected value',
  'header-leak': 'the offload header reached the client: the proxy did not act on it',
  'filename-mismatch':
    "Content-Disposition names the download otherwise than the sentinel's fileName (often an encoding fault)",
  'size-mismatch': 'the body size differs from the sentinel',
  'checksum-mismatch': 'the body sha256 differs from the sentinel',
  'not-offloaded': 'the app streamed the file itself instead of answering with the offload header',
  'internal-exposed':
    'SECURITY: the internal offload location serves requests from outside: storage is exposed',
  'range-ignored': 'a Range request did not get 206 with the right bytes: resumable downloads break',
  'head-mismatch':
    'a HEAD request does not answer as GET does (status, length or type): link checkers and download managers fail',
  'conditional-mismatch':
    'a conditional GET (If-None-Match, If-Modified-Since) got a wrong answer: a 304 with a body or an offload header, or something other than 304 or the file',
  'content-decoding':
    'the body does not decode as its Content-Encoding says: browsers fail the download (ERR_CONTENT_DECODING_FAILED)',
  'header-conflict':
    'two headers of one name with different values (Content-Disposition, Content-Type): browsers refuse the download',
  's3-redirect':
    'S3 redirected the request (301 PermanentRedirect or 307): the bucket is in another region than the one addressed',
  'metadata-mismatch':
    'what the object carries besides its bytes (Content-Type, Content-Encoding, Content-Disposition, Cache-Control) is not what the sentinel expects: clients get it as it is',
  'secret-missing': 'a secret referenced by the config could not be resolved',
  'monitor-credentials':
    'the monitor has no valid credentials (none found, expired, or refused): the monitor needs fixing, not the stack',
  'monitor-signing':
    'the monitor cannot sign its request as storage expects (region, signature version, clock): the monitor needs fixing, not the stack',
  's3-access-denied': 'S3 denied access to the sentinel',
  's3-no-such-key': 'the sentinel key does not exist',
  's3-no-such-bucket': 'the bucket does not exist',
  's3-unreachable': 'the S3 endpoint cannot be reached',
  's3-throttled': 'S3 throttled the request',
  's3-error': 'S3 answered with an unexpected error',
  'fs-not-found': 'the sentinel file does not exist',
  'fs-access-denied': 'the sentinel file cannot be read (permissions)',
  'fs-error': 'the sentinel file cannot be read',
  'invalid-request': 'the request could not be built (bad URL or option)',
  'check-error': 'the check itself crashed or could not be invoked',
  'not-configured': 'the check is not configured for this target',
} as const;
export type FailureKind = keyof typeof FAILURE_KINDS;

export const INCONCLUSIVE_KINDS: ReadonlySet<FailureKind> = new Set<FailureKind>([
  'dns',
  'invalid-request',
  'secret-missing',
  'monitor-credentials',
  'monitor-signing',
  'check-error',
  'not-configured',
]);

/** Kinds that say the monitor itself could not do its job (its credentials or signing settings): never a layer's. */
export const MONITOR_KINDS: ReadonlySet<FailureKind> = new Set<FailureKind>([
  'monitor-credentials',
  'monitor-signing',
]);

/**
 * Header hygiene: what a download shows that does not break it, printed as notes (`TEXT [ID]`) that never change a
 * healthy status.
 */
export const HYGIENE_NOTES = {
  'storage-headers': 'storage headers reach the client (hide them at the proxy)',
  'repeated-header': 'a header is sent twice with the same value',
  'no-content-length':
    'the download has no Content-Length: browsers show no progress and cannot tell a cut download from a whole one',
  'content-encoding':
    'the download carries a Content-Encoding the sentinel does not have (compression on the route)',
} as const;
export type HygieneNote = keyof typeof HYGIENE_NOTES;

/** A note as it prints: its text, then its id, as a failure prints its kind. */
export const hygieneNote = (id: HygieneNote, detail: string) => `${HYGIENE_NOTES[id]}: ${detail} [${id}]`;

/**
 * Response headers that name the version of what was served: storage's object has its own, and a cache (a proxy
 * cache, a CDN) replays those of the copy it keeps.
 */
export const VALIDATOR_HEADERS = ['etag', 'last-modified'] as const;

/** Response headers a cache adds to what it serves from its copy (`Age`, and the cache-status headers). */
export const CACHE_HEADERS = [
  'age',
  'cache-status',
  'x-cache',
  'x-cache-status',
  'x-proxy-cache',
  'cf-cache-status',
] as const;

/** The layer a verdict blames. `proxy-app`: proxy and app each work, but not together. */
export const FAULTS = ['storage', 'app', 'proxy', 'proxy-app', 'unknown'] as const;
export type Fault = (typeof FAULTS)[number];

/** A verdict's status, best first (the order `worstOf` reads). */
export const STATUSES = ['healthy', 'degraded', 'failed'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * The worst of `values` by `order` (best first); the best when there are none. The one reduction behind every
 * "worst status": a run's exit code, the report's title, /health, the status page. A value `order` does not
 * hold is a bug, and throws.
 */
export function worstOf<const T>(order: readonly [T, ...T[]], values: Iterable<T>): T {
  let worst = 0;
  for (const v of values) {
    const rank = order.indexOf(v);
    if (rank < 0) throw new RangeError(`${String(v)} is not one of ${order.join(', ')}`);
    worst = Math.max(worst, rank);
  }
  return order[worst] as T;
}

/** The offload headers download-doctor knows, by the server that acts on them. */
export const OFFLOAD_HEADERS = ['X-Accel-Redirect', 'X-Sendfile', 'X-Lighttpd-Send-File'] as const;
export type OffloadHeader = (typeof OFFLOAD_HEADERS)[number];
