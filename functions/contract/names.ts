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

/**
 * What to check first for each failure kind, as a runbook says it: beside its meaning above, in the HTML report and
 * docs/checks.md. The layer that failed says where; these say what to look at there.
 */
export const FAILURE_HINTS: Record<FailureKind, string> = {
  dns: "check the host name in the config, and what this machine's resolver answers for it (dig NAME); in a VPC, its DNS settings",
  'connect-refused':
    'nothing listens on that host and port: is the service running, on the port the config names? (systemctl status, ss -ltnp on its host)',
  'connect-failed':
    'the host does not answer at all: is it up, is the address right, and do the firewall or the security groups let the monitor in?',
  timeout:
    'the server took the request but did not answer in time: is it overloaded or hung (its logs, its workers), or is timeoutMs too short for the sentinel?',
  tls: 'check the certificate (expiry, name, chain: openssl s_client -connect HOST:443 -servername NAME), or tls.caFile and tls.serverName in the config',
  reset:
    'the server closed the connection mid-request: check its error log, crashed workers, and a load balancer idle timeout on the way',
  'bad-response':
    "check what adds headers on this route (the app, the proxy's add_header) and the server's error log: the answer was invalid HTTP or its headers too large",
  truncated:
    "the body was cut: check the proxy's error log (upstream prematurely closed, temp-file limits) and storage's health",
  status:
    'read the status where it was sent: 404 a route or a key, 403 a permission, 5xx the layer behind; the evidence shows the answer',
  'header-mismatch':
    "compare the header with what the layer that sets it is told to send: the app's offload value, the proxy's headers, the object's metadata",
  'header-leak':
    'the proxy passed the offload header on to the client: turn offloading on for this route (proxied by nginx; XSendFile On; allow-x-send-file)',
  'filename-mismatch':
    "check the app's download name (django-downloadview's basename) and its encoding in Content-Disposition (RFC 6266 filename*)",
  'size-mismatch':
    'compare the sentinel in storage with the config (download-doctor hash), and look for a proxy that rewrites or compresses the body',
  'checksum-mismatch':
    'other bytes: was the sentinel replaced (then update the config: download-doctor hash), or does a cache on the way keep an old copy?',
  'not-offloaded':
    "the app streams the file itself: check django-downloadview's middleware, and that its rule's source_url matches the storage's URLs",
  'internal-exposed':
    'SECURITY: make the internal location internal (nginx: `internal;`): storage can be read around the app and its access checks',
  'range-ignored':
    'check that the proxy serves ranges on the offload route (max_ranges) and passes the Range header on to storage',
  'head-mismatch':
    "check that the app's view and the proxy answer HEAD as GET (http_method_names; a storage URL signed for GET only)",
  'conditional-mismatch':
    'check what the app and the proxy do with If-None-Match and If-Modified-Since: a 304 must carry no body and no offload header',
  'content-decoding':
    "check compression on the route (gzip on the offload location, the object's Content-Encoding): the body must decode as announced",
  'header-conflict':
    "two layers set one header: make one stop (the app's Content-Type or Content-Disposition, or the proxy's add_header)",
  's3-redirect': "set storage.region (and the app's AWS_S3_REGION_NAME) to the bucket's own region",
  'metadata-mismatch':
    "upload the sentinel with the expected metadata (download-doctor seed --content-type), or update the config's sentinel block",
  'secret-missing':
    'set the secret the config references (the variable locally; the Secrets Manager or SSM name on AWS) and the right to read it',
  'monitor-credentials':
    "give the monitor AWS credentials: the SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role)",
  'monitor-signing':
    "check the monitor's clock, storage.region and storage.endpoint: S3 refused how the request was signed, not the object",
  's3-access-denied':
    "check the bucket policy, the object's owner and ACL, and the reader's s3:GetObject on the key (and kms:Decrypt with SSE-KMS)",
  's3-no-such-key':
    'upload the sentinel (download-doctor seed), or fix storage.key: the bucket has no such key',
  's3-no-such-bucket': 'fix storage.bucket, or storage.endpoint: no such bucket there',
  's3-unreachable':
    'check the way to S3 from where the check runs (a VPC gateway endpoint, NAT, a proxy) and storage.endpoint',
  's3-throttled': 'look for heavy traffic on the bucket or the prefix; S3 answers again once it eases',
  's3-error': "read S3's error in the evidence, and the AWS Health Dashboard",
  'fs-not-found': 'restore the sentinel file, or fix storage.path: nothing is at that path',
  'fs-access-denied':
    "the web server's user cannot read the file: fix its mode and owner, and the execute bit of each directory above it",
  'fs-error': 'check the disk and the mount the file is on (dmesg, mount)',
  'invalid-request': 'fix the URL or the option the error names, in the config',
  'check-error':
    "the check itself crashed: read the error, and the monitor's logs (the function's, on AWS); report it if it stays",
  'not-configured': "add the check's settings (proxy or storage) to the target, to run it",
};

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
