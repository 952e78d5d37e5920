/**
 * The Django side of a target's download stack, with django-downloadview: the settings (backend and rule), and
 * the URL and view of `/healthcheck-utils/download/`. Derived from the target alone, like the nginx snippet: the
 * sandbox's Django app takes its rule from `djangoDownloadView` too. Pure: no I/O.
 */

import type { S3StorageConfig, Target } from '../config/schema.ts';
import { type S3Address, s3Endpoint, s3PathStyle } from '../config/targets.ts';
import type { OffloadHeader } from '../contract/names.ts';
import { SnippetError } from './errors.ts';
import { asStack, type StackTarget } from './stack.ts';

/**
 * django-downloadview's backend for each offload header it can send. Its Apache and lighttpd backends both send
 * X-Sendfile (lighttpd acts on it too); none sends X-Lighttpd-Send-File.
 */
export const DOWNLOADVIEW_BACKENDS: Partial<Record<OffloadHeader, string>> = {
  'X-Accel-Redirect': 'django_downloadview.nginx.XAccelRedirectMiddleware',
  'X-Sendfile': 'django_downloadview.apache.XSendfileMiddleware',
};

/**
 * What DOWNLOADVIEW_RULES holds for the target: the file's storage URL prefix, rewritten into the proxy's
 * internal location (X-Accel-Redirect) or into the directory the proxy reads (X-Sendfile). Always a URL rule:
 * a `source_dir` rule compares the file's name, which a storage makes relative, so it never matches a storage's
 * file, and django-downloadview does not offload a plain file (PathDownloadView) at all.
 */
export type DownloadViewRule =
  | { source_url: string; destination_url: string }
  | { source_url: string; destination_dir: string };

/** Where the view reads the sentinel: S3 (django-storages), or a FileSystemStorage whose URLs are `file://`. */
export type DjangoStorage =
  | { type: 's3' }
  | {
      type: 'filesystem';
      location: string;
      /** The storage's base URL: never served, only matched by the rule's source_url. */
      baseUrl: string;
    };

export interface DjangoDownloadView {
  backend: string;
  rule: DownloadViewRule;
  /** The route, without its leading slash, as Django's `path()` takes it. */
  route: string;
  storage: DjangoStorage;
  /** StorageDownloadView's `path`: the sentinel's name in the storage. */
  path: string;
  /** Content-Disposition's file name, when the target names one. */
  basename?: string;
}

/** The file's URL as django-storages makes it: path-style on an endpoint, else on the bucket's regional host. */
export function s3FileUrlPrefix(storage: S3Address): string {
  const endpoint = s3Endpoint(storage);
  if (s3PathStyle(storage)) {
    return `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, '')}/${storage.bucket}/`;
  }
  return `${endpoint.protocol}//${storage.bucket}.${endpoint.host}/`;
}

export function djangoDownloadView(written: Target): DjangoDownloadView {
  const [target] = asStack(written) as [StackTarget];
  const { header, value } = target.app.offload;
  if (typeof value !== 'string') {
    throw new SnippetError('app.offload.value is a pattern: the rule needs the exact value the app sends');
  }
  const backend = DOWNLOADVIEW_BACKENDS[header];
  if (!backend) {
    throw new SnippetError(
      `app.offload.header ${header}: django-downloadview sends X-Accel-Redirect or X-Sendfile (its lighttpd ` +
        'backend sends X-Sendfile, which lighttpd acts on): use X-Sendfile',
    );
  }
  const storage = target.storage;
  const sendsPath = header !== 'X-Accel-Redirect';
  if (sendsPath && storage.type !== 'filesystem') {
    throw new SnippetError(
      `app.offload.header ${header} names a file on the proxy's disk: storage.type must be "filesystem"`,
    );
  }
  const name = storage.type === 's3' ? storage.key : storage.path.slice(storage.path.lastIndexOf('/') + 1);
  // django-downloadview rewrites the file's URL (percent-encoded, by Django's filepath_to_uri or the S3 signer):
  // a URL for X-Accel-Redirect, a path for X-Sendfile alike. lighttpd decodes the latter, mod_xsendfile does not
  // (the Apache generator refuses a name that needs encoding).
  const expected = name.split('/').map(encodeURIComponent).join('/');
  if (!value.endsWith(`/${expected}`)) {
    throw new SnippetError(
      `app.offload.value "${value}" must end with the sentinel's name in storage ("${expected}")`,
    );
  }
  const destination = value.slice(0, value.length - expected.length);
  const location =
    storage.type === 'filesystem' ? storage.path.slice(0, storage.path.length - name.length) : '';
  const source = storage.type === 's3' ? s3FileUrlPrefix(storage) : `file://${location}`;
  const view: DjangoDownloadView = {
    backend,
    rule: sendsPath
      ? { source_url: source, destination_dir: destination }
      : { source_url: source, destination_url: destination },
    route: new URL(target.app.url).pathname.replace(/^\//, ''),
    storage: storage.type === 's3' ? { type: 's3' } : { type: 'filesystem', location, baseUrl: source },
    path: name,
  };
  if (target.sentinel.fileName) view.basename = target.sentinel.fileName;
  return view;
}

/** The Django side of a stack (a target and its extra sentinels): one backend, rule and storage, a route each. */
export interface DjangoStack {
  backend: string;
  rule: DownloadViewRule;
  storage: DjangoStorage;
  routes: Pick<DjangoDownloadView, 'route' | 'path' | 'basename'>[];
}

export function djangoStack(stack: Target | readonly Target[]): DjangoStack {
  const targets = asStack(stack);
  const views = targets.map(djangoDownloadView);
  const [first] = views;
  if (!first) throw new SnippetError('no target to configure');
  views.forEach((v, i) => {
    if (JSON.stringify(v.rule) !== JSON.stringify(first.rule)) {
      throw new SnippetError(
        `target "${targets[i]?.name}": its file and offload value make another rule (${py(v.rule)}) than ` +
          `the stack's (${py(first.rule)}): put its file beside the first sentinel`,
      );
    }
  });
  return {
    backend: first.backend,
    rule: first.rule,
    storage: first.storage,
    routes: views.map(({ route, path, basename }) => ({ route, path, ...(basename ? { basename } : {}) })),
  };
}

const py = (v: unknown) => JSON.stringify(v);

/** Changes to the generated configuration: the sandbox's app faults, as inputs of this generator. */
export interface DjangoSnippetOptions {
  /** Leave SmartDownloadMiddleware out: Django then streams the file itself. */
  readonly omitMiddleware?: boolean;
  /** ALLOWED_HOSTS additions instead of the hosts the checks send. */
  readonly allowedHostsOverride?: readonly string[];
  /** The rule's source_url instead of the storage's URL prefix: the rule no longer matches. */
  readonly sourceOverride?: string;
  /** The rule's destination instead of the one the offload value names. */
  readonly destinationOverride?: string;
  /** Leave `basename` out of the views: the name then comes from the offload value's last segment. */
  readonly omitBasename?: boolean;
  /** Leave the healthcheck routes out of urls.py (a deploy that dropped them): the app answers 404. */
  readonly omitRoutes?: boolean;
  /** `AWS_QUERYSTRING_AUTH = False` whatever the storage says: unsigned URLs (the public-bucket setting). */
  readonly unsignedUrls?: boolean;
  /** The views answer GET only (`http_method_names`): HEAD gets 405. */
  readonly getOnly?: boolean;
}

/** The settings.py additions for a target or a stack. */
export function djangoSettings(
  stack: Target | readonly Target[],
  options: DjangoSnippetOptions = {},
): string {
  const targets = asStack(stack);
  const v = djangoStack(targets);
  const target = targets[0] as StackTarget;
  const storage = target.storage;
  const hosts = options.allowedHostsOverride ?? [
    ...new Set([target.app, target.endToEnd].map((c) => c.host ?? new URL(c.url).hostname)),
  ];
  const source = options.sourceOverride ?? v.rule.source_url;
  const rule: DownloadViewRule =
    'destination_url' in v.rule
      ? { source_url: source, destination_url: options.destinationOverride ?? v.rule.destination_url }
      : { source_url: source, destination_dir: options.destinationOverride ?? v.rule.destination_dir };
  return [
    ...(options.omitMiddleware
      ? []
      : [
          '# The offload middleware, after the ones that may change the response (it must see the download first).',
          'MIDDLEWARE += ["django_downloadview.SmartDownloadMiddleware"]',
        ]),
    `DOWNLOADVIEW_BACKEND = ${py(v.backend)}`,
    `DOWNLOADVIEW_RULES = [${py(rule)}]`,
    `# The Host names the checks send (through the proxy, and on the app's own port).`,
    `ALLOWED_HOSTS += ${py(hosts)}`,
    ...(storage.type === 's3' ? s3Settings(storage, options) : []),
    '',
  ].join('\n');
}

/** django-storages' settings: a private bucket with signed URLs, unless the target says it is public. */
function s3Settings(storage: S3StorageConfig, options: DjangoSnippetOptions): string[] {
  const signed = storage.proxyAuth === 'presigned' && !options.unsignedUrls;
  return [
    signed
      ? '# django-storages (S3Boto3Storage), private bucket: each URL is signed (query-string auth), the rule above\n# matches it by prefix, and the proxy passes the signed query on to S3.'
      : '# django-storages (S3Boto3Storage), unsigned URLs: the rule above matches them by prefix.',
    `AWS_STORAGE_BUCKET_NAME = ${py(storage.bucket)}`,
    `AWS_S3_REGION_NAME = ${py(storage.region)}`,
    ...(storage.endpoint
      ? [`AWS_S3_ENDPOINT_URL = ${py(storage.endpoint)}`, 'AWS_S3_ADDRESSING_STYLE = "path"']
      : // A custom domain is never signed (but by CloudFront): the bucket's own host, signed.
        signed
        ? [`AWS_S3_ADDRESSING_STYLE = ${py(s3PathStyle(storage) ? 'path' : 'virtual')}`]
        : [`AWS_S3_CUSTOM_DOMAIN = ${py(new URL(s3FileUrlPrefix(storage)).host)}`]),
    ...(signed
      ? [
          'AWS_QUERYSTRING_AUTH = True',
          'AWS_S3_SIGNATURE_VERSION = "s3v4"',
          '# Long enough for the proxy to start the transfer; the signature is checked when S3 gets the request.',
          'AWS_QUERYSTRING_EXPIRE = 300',
        ]
      : [...(UNSIGNED_NOTES[storage.proxyAuth] ?? []), 'AWS_QUERYSTRING_AUTH = False']),
  ];
}

/** Why the URLs are unsigned, by who may read the bucket anonymously (storage.proxyAuth). */
const UNSIGNED_NOTES: Partial<Record<S3StorageConfig['proxyAuth'], string[]>> = {
  network: [
    '# Unsigned URLs: the bucket lets the proxy\'s network path read (storage.proxyAuth "network"), and no one',
    '# else; `download-doctor snippets nginx` prints the bucket policy statement that says so.',
  ],
  public: [
    '# WARNING: storage.proxyAuth is "public": these URLs work because the objects are readable by anyone, so',
    "# whoever knows a key downloads it from S3 directly, around the app. If only the proxy's network path may",
    '# read the bucket, say so with proxyAuth "network"; else prefer signed URLs (proxyAuth "presigned").',
  ],
};

/** The urls.py additions for a target or a stack: a StorageDownloadView per sentinel. */
export function djangoUrls(stack: Target | readonly Target[], options: DjangoSnippetOptions = {}): string {
  const v = djangoStack(stack);
  return [
    'from django.urls import path',
    'from django_downloadview import StorageDownloadView',
    v.storage.type === 's3'
      ? 'from storages.backends.s3boto3 import S3Boto3Storage'
      : 'from django.core.files.storage import FileSystemStorage',
    '',
    v.storage.type === 's3'
      ? 'healthcheck_storage = S3Boto3Storage()'
      : `# base_url only labels the files' URLs, for the rule's source_url: it is never served.\nhealthcheck_storage = FileSystemStorage(location=${py(v.storage.location)}, base_url=${py(v.storage.baseUrl)})`,
    ...(options.omitRoutes
      ? ['urlpatterns += []', '']
      : [
          'urlpatterns += [',
          ...v.routes.flatMap((r) => [
            `    path(${py(r.route)}, StorageDownloadView.as_view(`,
            `        storage=healthcheck_storage,`,
            ...(options.getOnly ? ['        http_method_names=["get"],'] : []),
            `        path=${py(r.path)},`,
            ...(r.basename && !options.omitBasename
              ? [
                  `        # Without basename, the name comes from the redirect URL, percent-encoded for a non-ASCII name.`,
                  `        basename=${py(r.basename)},`,
                ]
              : []),
            '    )),',
          ]),
          ']',
          '',
        ]),
  ].join('\n');
}

/** settings.py and urls.py additions for a target or a stack, as a user pastes them. */
export function djangoSnippet(stack: Target | readonly Target[], options: DjangoSnippetOptions = {}): string {
  const targets = asStack(stack);
  const names = targets.map((t) => `"${t.name}"`).join(', ');
  return [
    `# Generated by download-doctor for target${targets.length > 1 ? 's' : ''} ${names}.`,
    '# settings.py',
    djangoSettings(targets, options),
    '# urls.py',
    djangoUrls(targets, options),
  ].join('\n');
}
