/**
 * The nginx configuration of a target's download stack, derived from the target alone: the blocks a user
 * includes in an existing nginx configuration (`nginxSnippet`: `upstream` blocks for the `http` block, `location`
 * blocks for the `server` that serves the site, whose TLS, listen and server_name stay the user's), and a whole
 * nginx.conf around them for an unprivileged nginx run from a prefix of its own (`nginxMainConfig`, used by the
 * sandbox). Pure: no I/O. The sandbox's proxy faults change this generator's inputs, so the configuration under
 * test is always this generator's output.
 *
 * With S3, the bucket is private by default: the app signs the URL (django-storages' query-string auth), and the
 * internal location passes the signed query on to S3 unchanged, without the client's Authorization.
 */

import type { StorageConfig, Target } from '../config/schema.ts';
import { s3Endpoint, s3PathStyle } from '../config/targets.ts';
import { SnippetError } from './errors.ts';
import { asStack, type StackTarget } from './stack.ts';

/** Both storage locations (the internal one and the proxy check's) go through this one upstream. */
export const STORAGE_UPSTREAM = 'download_doctor_storage';
export const APP_UPSTREAM = 'download_doctor_app';
/** The variable that holds a storage host name, resolved as nginx goes (see `resolver`). */
const STORAGE_VARIABLE = '$download_doctor_storage';
/**
 * The DNS server nginx asks for a storage host name: the Amazon-provided DNS of any VPC. Off AWS, the
 * generated comment says to put one's own.
 */
export const DEFAULT_RESOLVER = '169.254.169.253';

export interface NginxSnippetOptions {
  /** Send the storage upstream to this port instead of the endpoint's (the sandbox's wrong-port fault). */
  readonly storagePortOverride?: number;
  /**
   * Prefix of the internal location, instead of the one derived from `app.offload.value`. Needed when the
   * expected value is a pattern; the sandbox also uses it to make the prefix miss the app's header.
   */
  readonly internalPrefixOverride?: string;
  /** Send the app upstream to this port instead of the app URL's (the sandbox's unreachable-app fault). */
  readonly appPortOverride?: number;
  /** Host header sent to the app instead of the client's (the sandbox's refused-Host fault). */
  readonly appHostOverride?: string;
  /** Bucket root path instead of the storage's (the sandbox's wrong-bucket fault), such as `/other-bucket/`. */
  readonly storageRootOverride?: string;
  /** Clear the Range header to storage and turn off nginx's own ranges (the sandbox's ranges fault). */
  readonly disableRanges?: boolean;
  /**
   * The internal location as a regex location whose proxy_pass names the key in a variable, without
   * `$is_args$args`: nginx then drops the signed query (the sandbox's signed-query fault).
   */
  readonly dropSignedQuery?: boolean;
  /**
   * The internal location as a regex location whose proxy_pass names the key in a variable, the signed query
   * kept: nginx then sends the key decoded, unescaped (spaces and all), as it never escapes a variable.
   */
  readonly keyInVariable?: boolean;
  /**
   * The offload location's temp files go to this directory, which nginx cannot write, and clients are slower than
   * storage (limit_rate): nginx must buffer what they have not taken yet, cannot, and cuts the download. A
   * download larger than its memory buffers is cut; small sentinels pass.
   */
  readonly unwritableTempPath?: string;
  /** Hide the app's Content-Disposition on the download route (the sandbox's disposition fault). */
  readonly dropDisposition?: boolean;
  /** Leave out the `proxy_hide_header` lines of storage's own headers: they then reach clients. */
  readonly showStorageHeaders?: boolean;
  /** gzip on the offload location, for every type: downloads then come compressed, without Content-Length. */
  readonly compressDownloads?: boolean;
  /**
   * `proxy_intercept_errors` with an `error_page` in both storage locations: nginx answers storage's errors with
   * its own 404 page, which hides what S3 said.
   */
  readonly interceptErrors?: boolean;
  /**
   * A proxy cache on the internal location, its files in this directory (relative: under nginx's prefix), keyed
   * on the storage path without the query (a signed URL's changes with every request) and kept 10 minutes whatever
   * storage says: an object replaced in storage is still served as it was (the sandbox's stale-cache fault).
   */
  readonly offloadCache?: string;
}

/** The cache zone of the `offloadCache` option. */
const OFFLOAD_CACHE_ZONE = 'download_doctor_offload';

/**
 * The headers S3 (and S3-compatible stores: moto's own) adds to an object's answer: the storage locations hide
 * them, so that they do not reach clients (nginx cannot hide by prefix: user metadata, x-amz-meta-*, still would).
 */
export const STORAGE_RESPONSE_HEADERS = [
  'x-amz-id-2',
  'x-amz-request-id',
  'x-amz-version-id',
  'x-amz-delete-marker',
  'x-amz-expiration',
  'x-amz-restore',
  'x-amz-replication-status',
  'x-amz-storage-class',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-bucket-key-enabled',
  'x-amz-checksum-crc32',
  'x-amz-checksum-crc32c',
  'x-amz-checksum-crc64nvme',
  'x-amz-checksum-sha1',
  'x-amz-checksum-sha256',
  'x-amz-checksum-type',
  'x-amz-mp-parts-count',
  'x-amz-tagging-count',
  'x-amz-object-lock-mode',
  'x-amz-object-lock-retain-until-date',
  'x-amz-object-lock-legal-hold',
  'x-amz-website-redirect-location',
  'x-amz-bucket-region',
  'x-amz-content-sha256',
  'x-amz-sdk-checksum-algorithm',
  'x-amzn-requestid',
] as const;

/** The named location that answers storage's errors when they are intercepted (interceptErrors). */
const NOT_FOUND_LOCATION = '@download_doctor_not_found';

export interface NginxMainConfigOptions {
  /** Absolute directory the pid file, logs and temp paths live in (nginx's `-p` prefix). */
  readonly prefix: string;
  /** The server's `listen` address, such as `127.0.0.1:8080`. */
  readonly listen: string;
  /** @default 1 */
  readonly workerProcesses?: number;
}

/** Where nginx reaches the storage: an HTTP origin (S3) or a directory on disk. */
type StorageOrigin =
  | {
      type: 'http';
      scheme: 'http' | 'https';
      /** `host:port` of the upstream's server. */
      server: string;
      /** The Host header S3 expects (without the port override: it names the bucket's endpoint). */
      host: string;
      /** Path of the bucket's root: `/BUCKET/` (path-style) or `/` (virtual-hosted). */
      root: string;
      /** The sentinel's path under `root`. */
      key: string;
      /** The key as S3 names it (decoded), for a rewrite that nginx escapes on the way out. */
      rawKey: string;
      /** The server is a host name: nginx then resolves it as it goes (a variable, and a `resolver`). */
      named: boolean;
    }
  | { type: 'filesystem'; dir: string; file: string };

/** The two parts of the configuration: what goes in the `http` block, and what goes in the `server` block. */
export interface NginxParts {
  /** `upstream` blocks (the `http` block's). */
  readonly http: string;
  /** `location` blocks (the site's `server` block's). */
  readonly server: string;
  /** Comments a user must read before using it (a public bucket). */
  readonly warnings: readonly string[];
}

/**
 * The blocks that serve the healthcheck routes of a target, or of a stack: a target and its extra sentinels
 * (`stackTargets`), the written target first. They share the upstreams and the internal location; each has its
 * own download and proxy-check routes.
 */
export function nginxParts(stack: Target | readonly Target[], options: NginxSnippetOptions = {}): NginxParts {
  const targets = asStack(stack);
  const [target] = targets;
  if (!target) throw new SnippetError('no target to configure');
  const storage = storageOrigin(target.storage, {
    port: options.storagePortOverride,
    root: options.storageRootOverride,
  });
  const prefix = internalPrefix(target, storage, options.internalPrefixOverride);
  for (const other of targets.slice(1)) {
    const its = internalPrefix(other, storageOrigin(other.storage, {}), options.internalPrefixOverride);
    if (its !== prefix) {
      throw new SnippetError(
        `target "${other.name}": its offload value's prefix "${its}" differs from "${prefix}": one internal location serves the stack`,
      );
    }
  }
  const app = new URL(target.app.url);
  const appScheme = app.protocol === 'https:' ? 'https' : 'http';
  const downloadRoute = (t: StackTarget) => {
    const endToEnd = new URL(t.endToEnd.url);
    const appPath = new URL(t.app.url).pathname;
    // Same path on both sides: pass the request URI through unchanged (query string included).
    const appUri = appPath === endToEnd.pathname ? '' : appPath;
    return block(`location = ${locationPath(endToEnd.pathname)}`, [
      `proxy_pass ${appScheme}://${APP_UPSTREAM}${nginxPath(appUri)};`,
      // The app checks the Host header (Django's ALLOWED_HOSTS): pass the client's, not the upstream's name.
      `proxy_set_header Host ${options.appHostOverride ?? '$host'};`,
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      ...(appScheme === 'https' ? ['proxy_ssl_server_name on;', `proxy_ssl_name ${app.hostname};`] : []),
      ...(options.dropDisposition ? ['proxy_hide_header Content-Disposition;'] : []),
    ]);
  };
  const proxyRoute = (t: StackTarget) => {
    const own = storageOrigin(t.storage, {
      port: options.storagePortOverride,
      root: options.storageRootOverride,
    });
    if (own.type !== 'http') {
      return block(`location = ${locationPath(new URL(t.proxy.url).pathname)}`, [
        `alias ${quote(`${own.dir}/${own.file}`)};`,
      ]);
    }
    return block(`location = ${locationPath(new URL(t.proxy.url).pathname)}`, [
      ...(own.named
        ? [
            ...resolveAsYouGo(own),
            // The query (the monitor's signature) goes on after the rewritten path.
            `rewrite ^ ${rewriteTarget(t, `${decodeURIComponent(own.root)}${own.rawKey}`)} break;`,
            `proxy_pass ${own.scheme}://${STORAGE_VARIABLE};`,
          ]
        : [`proxy_pass ${own.scheme}://${STORAGE_UPSTREAM}${nginxPath(`${own.root}${own.key}`)};`]),
      ...storageProxy(own, options),
    ]);
  };
  const internalLocation = () => {
    const captured = options.dropSignedQuery || options.keyInVariable;
    const head =
      captured && storage.type === 'http' && !storage.named
        ? `location ~ ^${regexEscape(prefix)}(?<download_doctor_key>.*)$`
        : `location ${locationPath(prefix)}`;
    const pass =
      storage.type !== 'http'
        ? [`alias ${quote(`${storage.dir}/`)};`]
        : storage.named
          ? [
              ...resolveAsYouGo(storage),
              // The key as the app named it; `?` at the end of the target would drop the signed query.
              `rewrite ^${regexEscape(prefix)}(.*)$ ${quote(`${decodeURIComponent(storage.root)}$1${options.dropSignedQuery ? '?' : ''}`)} break;`,
              `proxy_pass ${storage.scheme}://${STORAGE_VARIABLE};`,
              ...storageProxy(storage, options),
            ]
          : captured
            ? [
                `proxy_pass ${storage.scheme}://${STORAGE_UPSTREAM}${nginxPath(storage.root)}$download_doctor_key${options.keyInVariable ? '$is_args$args' : ''};`,
                ...storageProxy(storage, options),
              ]
            : [
                // A proxy_pass without variables passes the app's query on (the signature, when the URL is signed).
                `proxy_pass ${storage.scheme}://${STORAGE_UPSTREAM}${nginxPath(storage.root)};`,
                ...storageProxy(storage, options),
              ];
    return block(head, [
      'internal;',
      ...(options.disableRanges ? ['max_ranges 0;', 'proxy_set_header Range "";'] : []),
      ...(options.compressDownloads ? ['gzip on;', 'gzip_types *;', 'gzip_min_length 1;'] : []),
      ...(options.unwritableTempPath
        ? [`proxy_temp_path ${quote(options.unwritableTempPath)};`, 'limit_rate 512k;']
        : []),
      ...(options.offloadCache && storage.type === 'http'
        ? [
            `proxy_cache ${OFFLOAD_CACHE_ZONE};`,
            'proxy_cache_key $uri;',
            'proxy_cache_valid 200 10m;',
            'proxy_ignore_headers Cache-Control Expires Set-Cookie;',
          ]
        : []),
      ...pass,
    ]);
  };

  const http: string[] = [];
  if (storage.type === 'http' && !storage.named) {
    http.push(
      '# Storage: used by the internal location (X-Accel-Redirect) and by the proxy check alike, so that the',
      '# proxy check proves the very path that downloads take.',
      block(`upstream ${STORAGE_UPSTREAM}`, [`server ${storage.server};`]),
    );
  }
  http.push(block(`upstream ${APP_UPSTREAM}`, [`server ${hostPort(app, options.appPortOverride)};`]));
  if (options.offloadCache && storage.type === 'http') {
    http.push(
      `proxy_cache_path ${quote(options.offloadCache)} levels=1:2 keys_zone=${OFFLOAD_CACHE_ZONE}:1m max_size=64m inactive=1h use_temp_path=off;`,
    );
  }
  const signed = target.storage.type === 's3' && target.storage.proxyAuth === 'presigned';
  const server = [
    '# End to end: the healthcheck route goes to the app, which answers with X-Accel-Redirect and no body.',
    ...targets.map(downloadRoute),
    '',
    signed
      ? "# The offload target: internal, so only reachable through the app's X-Accel-Redirect, whose signed\n# query (django-storages' query-string auth) goes on to S3 as it is."
      : `# The offload target: internal, so only reachable through the app's X-Accel-Redirect.`,
    internalLocation(),
    '',
    signed
      ? '# Proxy check: the sentinel straight from storage, without the app (download-doctor signs the request).'
      : '# Proxy check: the sentinel straight from storage, without the app.',
    ...targets.map(proxyRoute),
    ...(options.interceptErrors ? ['', block(`location ${NOT_FOUND_LOCATION}`, ['return 404;'])] : []),
  ];
  const warnings = [...anonymousReads(targets), ...targets.flatMap(reEncodedKeyWarning)];
  return { http: http.join('\n'), server: server.join('\n'), warnings };
}

/**
 * The configuration a user includes: the upstreams in the `http` block, the locations in the `server` block
 * that serves the site (its listen, TLS and server_name stay as they are).
 */
export function nginxSnippet(stack: Target | readonly Target[], options: NginxSnippetOptions = {}): string {
  const targets = asStack(stack);
  const parts = nginxParts(targets, options);
  const names = targets.map((t) => `"${t.name}"`).join(', ');
  return [
    `# Generated by download-doctor for target${targets.length > 1 ? 's' : ''} ${names}.`,
    ...parts.warnings.map((w) => `# ${w}`),
    '',
    '# --- In the http block (beside your server blocks):',
    parts.http,
    '',
    '# --- In the server block that serves the site (its listen, TLS and server_name are yours):',
    parts.server,
    '',
  ].join('\n');
}

/**
 * A whole nginx.conf around the parts, for an nginx run unprivileged from its own prefix:
 * `nginx -p PREFIX -c nginx.conf`. It stays in the foreground (`daemon off;`) so that its parent owns it;
 * SIGHUP reloads it. There is no `user` directive: it only applies when the master runs as root.
 */
export function nginxMainConfig(parts: NginxParts, options: NginxMainConfigOptions): string {
  const p = options.prefix.replace(/\/+$/, '');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
    (name) => `${name}_temp_path ${quote(`${p}/${name}_temp`)};`,
  );
  return [
    '# Generated by download-doctor: an unprivileged nginx, run from its own prefix.',
    'daemon off;',
    `worker_processes ${options.workerProcesses ?? 1};`,
    `pid ${quote(`${p}/nginx.pid`)};`,
    `lock_file ${quote(`${p}/nginx.lock`)};`,
    // notice: the log then records reloads and worker starts, which is what one reads after a failed reload.
    `error_log ${quote(`${p}/error.log`)} notice;`,
    block('events', ['worker_connections 256;']),
    block('http', [
      'log_format download_doctor \'$remote_addr "$request" $status $body_bytes_sent \'',
      "                           'upstream=$upstream_addr upstream_status=$upstream_status';",
      `access_log ${quote(`${p}/access.log`)} download_doctor;`,
      ...temp,
      'default_type application/octet-stream;',
      // One connection per request, like a probe's: a reload then never races a reused keep-alive connection.
      'keepalive_timeout 0;',
      '',
      parts.http,
      '',
      block('server', [`listen ${options.listen};`, '', parts.server]),
    ]),
    '',
  ].join('\n');
}

function storageOrigin(
  storage: StorageConfig,
  overrides: { port?: number | undefined; root?: string | undefined },
): StorageOrigin {
  if (storage.type === 'filesystem') {
    const slash = storage.path.lastIndexOf('/');
    return { type: 'filesystem', dir: storage.path.slice(0, slash), file: storage.path.slice(slash + 1) };
  }
  const pathStyle = s3PathStyle(storage);
  const endpoint = s3Endpoint(storage);
  const scheme = endpoint.protocol === 'https:' ? 'https' : 'http';
  const host = pathStyle ? endpoint.host : `${storage.bucket}.${endpoint.host}`;
  const hostname = pathStyle ? endpoint.hostname : `${storage.bucket}.${endpoint.hostname}`;
  const port = overrides.port ?? (endpoint.port || (scheme === 'https' ? '443' : '80'));
  return {
    type: 'http',
    scheme,
    server: `${hostname}:${port}`,
    host,
    root: overrides.root ?? (pathStyle ? `/${encodePath(storage.bucket)}/` : '/'),
    key: encodePath(storage.key),
    rawKey: storage.key,
    named: !/^[\d.]+$|^\[[0-9a-f:]+\]$/i.test(hostname),
  };
}

/**
 * A storage host name in a variable, and the DNS server to resolve it with: nginx then follows the name's
 * addresses as they change (S3's do), where an `upstream` would keep those it found when it loaded.
 */
function resolveAsYouGo(storage: Extract<StorageOrigin, { type: 'http' }>): string[] {
  return [
    `# nginx resolves ${storage.server.replace(/:\d+$/, '')} as it goes (a variable in proxy_pass), with this DNS server:`,
    "# the VPC's Amazon-provided DNS. Off AWS, put your own.",
    `resolver ${DEFAULT_RESOLVER} valid=60s;`,
    `set ${STORAGE_VARIABLE} ${storage.server};`,
  ];
}

/**
 * What a bucket read without a signature needs, by who may read it (storage.proxyAuth): its proxy's network path
 * only (a note, with the bucket policy that says so), or anyone (a warning). A private bucket needs neither.
 */
export function anonymousReads(stack: readonly StackTarget[]): string[] {
  const [first] = stack;
  if (first?.storage.type !== 's3' || first.storage.proxyAuth === 'presigned') return [];
  if (first.storage.proxyAuth === 'public') {
    return [
      'WARNING: storage.proxyAuth is "public": nginx reads the bucket without a signature, and the objects are',
      'readable by anyone: whoever knows a key downloads it from S3 directly, around the app and its checks.',
      "If only the proxy's network path may read the bucket (a bucket policy on aws:SourceVpce or aws:SourceIp),",
      'say so with proxyAuth "network"; else prefer signed URLs on a private bucket (proxyAuth "presigned").',
    ];
  }
  const resources = stack.flatMap((t) =>
    t.storage.type === 's3' ? [`arn:aws:s3:::${t.storage.bucket}/${t.storage.key}`] : [],
  );
  const policy = {
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: resources.length === 1 ? resources[0] : resources,
    Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-THE-PROXYS-ENDPOINT' } },
  };
  return [
    'storage.proxyAuth is "network": nginx reads the bucket without a signature, which a bucket policy allows',
    "to the proxy's network path only: the VPC endpoint it reaches S3 through (or aws:SourceIp, its NAT's",
    'address). A statement such as:',
    `  ${JSON.stringify(policy)}`,
    'Without that condition, an Allow for Principal "*" makes the objects public (proxyAuth "public").',
  ];
}

/**
 * Characters a signer percent-encodes in a key (SigV4 keeps only A-Z a-z 0-9 - _ . ~) and nginx, which decodes the
 * X-Accel-Redirect URI before it passes it on, sends as they are (ngx_escape_uri leaves them).
 */
const RAW_AFTER_NGINX = /[!$&'()*+,;=:@]/;

/**
 * A key nginx cannot pass to S3 as the app signed it: S3 then computes another canonical request than the signer
 * (403 SignatureDoesNotMatch), and reads `+` in a path as a space. moto checks neither.
 */
function reEncodedKeyWarning(t: StackTarget): string[] {
  if (t.storage.type !== 's3' || t.storage.proxyAuth !== 'presigned' || !RAW_AFTER_NGINX.test(t.storage.key))
    return [];
  return [
    `WARNING: target "${t.name}": storage.key ${JSON.stringify(t.storage.key)} holds a character the signer`,
    "percent-encodes and nginx sends as it is (one of ! $ & ' ( ) * + , ; = : @): S3 then refuses the signed",
    'URL (SignatureDoesNotMatch) and reads "+" as a space. Prefer keys of letters, digits, - _ . ~ and spaces.',
  ];
}

/** A rewrite's target path, quoted; nginx treats `$` and `?` there specially, so a key holding them is refused. */
function rewriteTarget(target: Target, path: string): string {
  if (/[$?]/.test(path)) {
    throw new SnippetError(
      `target "${target.name}": storage.key "${path}" holds "$" or "?", which nginx's rewrite cannot name`,
    );
  }
  return quote(path);
}

/** Directives shared by both storage locations, so that they reach storage the same way. */
function storageProxy(
  storage: Extract<StorageOrigin, { type: 'http' }>,
  options: NginxSnippetOptions,
): string[] {
  return [
    `proxy_set_header Host ${storage.host};`,
    // Anonymous reads: a client's credentials or cookies must not reach S3 (it rejects foreign Authorization).
    'proxy_set_header Authorization "";',
    'proxy_set_header Cookie "";',
    ...(options.showStorageHeaders
      ? []
      : [
          "# Storage's own headers stay here (their long names need a larger hash bucket than the default).",
          'proxy_headers_hash_bucket_size 128;',
          ...STORAGE_RESPONSE_HEADERS.map((h) => `proxy_hide_header ${h};`),
        ]),
    ...(options.interceptErrors
      ? ['proxy_intercept_errors on;', `error_page 403 404 =404 ${NOT_FOUND_LOCATION};`]
      : []),
    ...(storage.scheme === 'https'
      ? [
          'proxy_ssl_server_name on;',
          `proxy_ssl_name ${storage.host.replace(/:\d+$/, '')};`,
          'proxy_ssl_verify on;',
          'proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;',
        ]
      : []),
  ];
}

/**
 * The internal location's prefix: the offload value without the part that names the file. The internal
 * location maps that prefix to the storage's root, so the rest of the value must be the storage key.
 */
function internalPrefix(target: Target, storage: StorageOrigin, override: string | undefined): string {
  const { header, value } = target.app.offload;
  if (header !== 'X-Accel-Redirect') {
    throw new SnippetError(`app.offload.header is "${header}"; nginx acts on X-Accel-Redirect only`);
  }
  if (override !== undefined) return override;
  if (typeof value !== 'string') {
    throw new SnippetError(
      'app.offload.value is a pattern: the internal location prefix cannot be derived from it; pass it explicitly',
    );
  }
  const file = storage.type === 'http' ? storage.key : encodePath(storage.file);
  const prefix = value.endsWith(`/${file}`) ? value.slice(0, value.length - file.length) : undefined;
  if (prefix === undefined || !prefix.startsWith('/') || prefix === '/') {
    throw new SnippetError(
      `app.offload.value "${value}" must be a location prefix such as "/_storage/" followed by the sentinel's ` +
        `name in storage ("${file}")`,
    );
  }
  return prefix;
}

function hostPort(url: URL, portOverride?: number): string {
  return `${url.hostname}:${portOverride ?? (url.port || (url.protocol === 'https:' ? '443' : '80'))}`;
}

/** Percent-encodes each segment of a storage path, keeping the slashes. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** A request path as nginx matches it: decoded, then quoted when needed. */
function locationPath(path: string): string {
  return quote(decodeURIComponent(path));
}

/** A proxy_pass URI is sent as written: keep it percent-encoded. */
function nginxPath(path: string): string {
  return quote(path);
}

/** A literal for an nginx regex (PCRE). */
function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Quotes an nginx token when it holds a character the config parser treats specially. */
function quote(token: string): string {
  return /[\s;{}"'#\\]/.test(token) ? `"${token.replace(/["\\]/g, '\\$&')}"` : token;
}

function block(head: string, body: readonly string[]): string {
  const inner = body.flatMap((line) => line.split('\n')).map((line) => (line === '' ? '' : `    ${line}`));
  return [`${head} {`, ...inner, '}'].join('\n');
}
