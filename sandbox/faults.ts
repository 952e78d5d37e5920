/**
 * The sandbox's known faults, as data: read by the sandbox (applyFault), the integration tests, the demo,
 * `sandbox faults` and docs/faults.md. A fault is a change of one lever to one value: an option of a
 * configuration generator (functions/core/snippets/: the proxy's or Django's), or one of the stack's own levers
 * (the sentinel's state, its access, a server up or down), or one of the monitor's own settings (what the checks are
 * told, never the stack). Restoring it sets the lever back to its healthy value (`restoreOf`). Proxy and app changes
 * regenerate the configuration, then reload nginx, Apache, lighttpd or gunicorn, never restart them. A fault that
 * needs two things at once (a latent setting and what reveals it) sets two levers.
 *
 * A definition names the variants it exists on, each with what differs there (texts may say `{proxy}`, the
 * variant's server); its entry on a variant is named with the variant's prefix (`apache-…`, `lighttpd-…`).
 * Data only: this module imports types and nothing else, so the CLI reads it at no cost.
 */
import type { FailureKind, Fault, HygieneNote, Layer, Status } from '../functions/contract/names.ts';
import type { DjangoSnippetOptions } from '../functions/snippets/django.ts';
import type { MonitorOptions } from './monitor.ts';
import type { ProxyOptions } from './proxies.ts';

import { PROXY_NAMES, SANDBOX_VARIANTS, type Variant } from './variants.ts';

export { PROXY_NAMES, SANDBOX_VARIANTS, type Variant };

/** How a fault's entry is named on each variant: this prefix and the definition's name. */
const NAME_PREFIX = { 'nginx-s3': '', 'apache-disk': 'apache-', 'lighttpd-disk': 'lighttpd-' } as const;

/** The stack's own levers, each with its values, the healthy one first. */
export const STACK_LEVERS = {
  /**
   * The first sentinel in storage: there, gone, other bytes of the same size, only its first half, or its bytes
   * followed by more (a file that grew).
   */
  sentinel: ['present', 'absent', 'corrupted', 'truncated', 'grown'],
  /**
   * What the first sentinel's object carries besides its bytes (S3): as uploaded, S3's default type
   * (binary/octet-stream, as an upload without one gets), a Content-Encoding it does not have, or a
   * Content-Disposition of its own.
   */
  'sentinel-metadata': ['as-uploaded', 'default-type', 'gzip-encoding', 'disposition'],
  /** Who may read it: `deny` is a bucket policy Deny s3:GetObject for everyone (S3), or a copy with mode 000
   * in its place (disk). */
  'sentinel-access': ['allow', 'deny'],
  /** The storage server (moto): `down` stops it; `up` starts it again with the bucket, sentinels and policy. */
  'storage-server': ['up', 'down'],
  /** gunicorn: `down` stops it; `up` starts it again on the same port. */
  'app-server': ['up', 'down'],
} as const;
export type StackLever = keyof typeof STACK_LEVERS;

/** A value a port option takes when the fault is applied: a loopback port nothing listens on. */
export const CLOSED_PORT = 'closed-port';

/** One option of a generator set to one value (`undefined`: the generator's default, healthy). */
type OptionChange<L extends string, O> = {
  [K in keyof O]-?: {
    readonly lever: L;
    readonly option: K;
    readonly value: O[K] | (number extends O[K] ? typeof CLOSED_PORT : never);
  };
}[keyof O];

/** A change of one lever to one value. */
export type LeverChange =
  | OptionChange<'proxy', ProxyOptions>
  | OptionChange<'app', DjangoSnippetOptions>
  | OptionChange<'monitor', MonitorOptions>
  | {
      [L in StackLever]: { readonly lever: L; readonly value: (typeof STACK_LEVERS)[L][number] };
    }[StackLever];

/** The change that undoes `change`: the option back to the generator's default, the lever to its healthy value. */
export function restoreOf(change: LeverChange): LeverChange {
  if (change.lever === 'proxy' || change.lever === 'app' || change.lever === 'monitor')
    return { ...change, value: undefined } as LeverChange;
  return { lever: change.lever, value: STACK_LEVERS[change.lever][0] } as LeverChange;
}

/** A fault's levers: one, or a latent setting and what reveals it. */
export const changesOf = (f: Pick<SandboxFault, 'change'>): readonly LeverChange[] =>
  Array.isArray(f.change) ? (f.change as readonly LeverChange[]) : [f.change as LeverChange];

export interface ExpectedVerdict {
  readonly status: Status;
  /** `null` for a healthy verdict; `unknown` when the evidence names the monitor's own settings. */
  readonly fault: Fault | null;
  /** The check that must flag the fault ... */
  readonly check: Layer;
  /** ... and the failure kind it must report; or, for a healthy download, the hygiene note it must carry. */
  readonly kind: FailureKind | { readonly note: HygieneNote };
  /** The rule that must decide (when the fault shows a rule of its own). */
  readonly rule?: string;
  /** The verdict warns the monitor's owners (its own settings are wrong). */
  readonly monitorWarning?: true;
}

/** A check's outcome in the fault matrix: `ok`, `slow`, its failure kind (`failed` if it has none), or `-`
 * when it did not run. */
export type Outcome = FailureKind | 'ok' | 'slow' | 'failed' | '-';

/** What each healthcheck URL answers, in a word or two (see test/integration/sandbox.test.ts): `sentinel`,
 * `offloaded`, `streamed`, `other bytes`, `offloaded to PATH`, `header leaked`, `refused`, `cut` (the body broke
 * off), `undecodable` (it does not decode as its Content-Encoding says), or the status code; `… as "NAME"` when
 * Content-Disposition names another file than the sentinel's, `… with two names` when there are two. */
export interface Symptoms {
  readonly endToEnd: string;
  readonly app: string;
  readonly proxy: string;
}

/**
 * What each check reports. A list where the stack itself varies from run to run: Apache serves a Range request
 * from a reply the app streams only when the whole reply comes in one piece.
 */
export type Saw = Readonly<Record<Layer, Outcome | readonly Outcome[]>>;

/** One fault on one variant. */
export interface SandboxFault {
  readonly name: FaultName;
  /** The sandbox it breaks. */
  readonly variant: Variant;
  /** What an on-call engineer would see, in one line. */
  readonly description: string;
  /** What the fault changes in the stack, in words ... */
  readonly changes: string;
  /** ... and as data: restore is `restoreOf(change)`, in reverse order for several. */
  readonly change: LeverChange | readonly LeverChange[];
  readonly expected: ExpectedVerdict;
  readonly saw: Saw;
  /** The extra sentinel whose checks show the fault (target `sandbox-NAME`); the first sentinel when absent. */
  readonly sentinel?: SandboxSentinelName;
  /** The run is a full one (all four checks), as `run --all-layers`. */
  readonly allLayers?: true;
  /** The raw symptom, seen with plain HTTP requests (only the URLs listed are compared). */
  readonly symptoms: Partial<Symptoms>;
}

type Specific = Omit<SandboxFault, 'name' | 'variant' | 'sentinel' | 'allLayers'>;

/** The extra sentinels of the sandbox (target `sandbox-NAME`). */
export type SandboxSentinelName = 'unicode' | 'awkward' | 'big';

/** A fault and the variants it exists on, each with what differs there. */
interface FaultDefinition extends Partial<Specific> {
  readonly name: string;
  readonly sentinel?: SandboxSentinelName;
  readonly allLayers?: true;
  readonly on: { readonly [V in Variant]?: Partial<Specific> };
}

const DISK_STORAGE_OK = { app: 'ok', storage: 'ok', proxy: 'ok' } as const;

const FAULT_DEFINITIONS = [
  // Storage: every layer that reads the sentinel fails, and the storage check says why.
  {
    name: 'sentinel-deleted',
    description: 'the sentinel is gone from storage: every layer that reads it fails',
    change: { lever: 'sentinel', value: 'absent' },
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'fs-not-found' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 'fs-not-found', proxy: 'status' },
    symptoms: { endToEnd: '500', app: '500', proxy: '404' },
    changes: 'disk: the sentinel file is deleted (restore: written again)',
    on: {
      'nginx-s3': {
        changes: 'S3: the sentinel object is deleted (restore: uploaded again)',
        expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-no-such-key' },
        saw: { 'end-to-end': 'status', app: 'status', storage: 's3-no-such-key', proxy: 'status' },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'sentinel-access-denied',
    description:
      "the sentinel's file mode is 000: the app still names it, but {proxy} (as nobody) cannot read it",
    changes: 'disk: the sentinel file is replaced by a copy with mode 000 (restore: mode 644)',
    change: { lever: 'sentinel-access', value: 'deny' },
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'fs-access-denied' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'fs-access-denied', proxy: 'status' },
    symptoms: { endToEnd: '403', app: 'offloaded', proxy: '403' },
    on: {
      'nginx-s3': {
        description: 'a bucket policy denies reading the sentinel, to signed and anonymous requests alike',
        changes:
          'S3: a bucket policy Deny s3:GetObject for "*" on the sentinel (restore: the policy is removed)',
        expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-access-denied' },
        saw: { 'end-to-end': 'status', app: 'ok', storage: 's3-access-denied', proxy: 'status' },
        symptoms: { endToEnd: '403', proxy: '403' },
      },
      // mod_xsendfile answers a file it cannot read with 404, not 403: only the storage check tells why.
      'apache-disk': { symptoms: { endToEnd: '404', app: 'offloaded', proxy: '403' } },
      'lighttpd-disk': {},
    },
  },
  {
    name: 'sentinel-corrupted',
    description: 'the sentinel holds other bytes of the same size: only its checksum tells',
    changes: 'disk: the sentinel file is overwritten with different bytes of the same length',
    change: { lever: 'sentinel', value: 'corrupted' },
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'checksum-mismatch' },
    saw: {
      'end-to-end': 'checksum-mismatch',
      app: 'ok',
      storage: 'checksum-mismatch',
      proxy: 'checksum-mismatch',
    },
    symptoms: { endToEnd: 'other bytes', app: 'offloaded', proxy: 'other bytes' },
    on: {
      'nginx-s3': {
        changes:
          'S3: the sentinel object is replaced by different bytes of the same length (restore: uploaded again)',
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'sentinel-truncated',
    description: 'the sentinel holds only its first half (an upload cut short): every layer serves it short',
    changes: 'disk: the sentinel file is overwritten with its first half (restore: written again)',
    change: { lever: 'sentinel', value: 'truncated' },
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'size-mismatch' },
    saw: { 'end-to-end': 'size-mismatch', app: 'ok', storage: 'size-mismatch', proxy: 'size-mismatch' },
    symptoms: { endToEnd: 'other bytes', app: 'offloaded', proxy: 'other bytes' },
    on: {
      'nginx-s3': {
        changes: 'S3: the sentinel object is replaced by its first half (restore: uploaded again)',
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'storage-down',
    description: 'the storage server is down: the SDK, Django and nginx alike cannot connect to it',
    changes: 'moto_server: stopped (restore: started again, with the bucket, the sentinels and the policy)',
    change: { lever: 'storage-server', value: 'down' },
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-unreachable' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 's3-unreachable', proxy: 'status' },
    symptoms: { endToEnd: '500', app: '500', proxy: '502' },
    on: { 'nginx-s3': {} },
  },

  {
    name: 'sentinel-grown',
    description:
      'the sentinel has grown (more bytes after its own): reading stops at its size, every layer serves it long',
    changes: 'disk: the sentinel file is overwritten with its bytes three times (restore: written again)',
    change: { lever: 'sentinel', value: 'grown' },
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'size-mismatch' },
    saw: { 'end-to-end': 'size-mismatch', app: 'ok', storage: 'size-mismatch', proxy: 'size-mismatch' },
    symptoms: { endToEnd: 'other bytes', app: 'offloaded', proxy: 'other bytes' },
    on: {
      'nginx-s3': {
        changes: 'S3: the sentinel object is replaced by its bytes three times (restore: uploaded again)',
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  // What the object carries besides its bytes: nginx passes it on from S3 through the internal location.
  {
    name: 'object-default-type',
    description:
      'the sentinel object was uploaded without a type: S3 says binary/octet-stream, and nginx passes that on',
    changes: "S3: the sentinel object is uploaded again with S3's default Content-Type, binary/octet-stream",
    change: { lever: 'sentinel-metadata', value: 'default-type' },
    expected: {
      status: 'failed',
      fault: 'storage',
      check: 'storage',
      kind: 'metadata-mismatch',
      rule: 'object-metadata',
    },
    saw: { 'end-to-end': 'header-mismatch', app: 'ok', storage: 'metadata-mismatch', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'object-content-encoding',
    description:
      'the sentinel object says Content-Encoding gzip, its bytes are not: browsers fail to decode the download',
    changes: 'S3: the sentinel object is uploaded again, the same bytes, with Content-Encoding: gzip',
    change: { lever: 'sentinel-metadata', value: 'gzip-encoding' },
    expected: {
      status: 'failed',
      fault: 'storage',
      check: 'storage',
      kind: 'metadata-mismatch',
      rule: 'object-metadata',
    },
    saw: { 'end-to-end': 'content-decoding', app: 'ok', storage: 'metadata-mismatch', proxy: 'ok' },
    symptoms: { endToEnd: 'undecodable', app: 'offloaded', proxy: 'undecodable' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'object-content-disposition',
    description:
      "the sentinel object carries a Content-Disposition of its own: nginx sends it beside the app's, two headers browsers refuse",
    changes:
      'S3: the sentinel object is uploaded again with Content-Disposition: attachment; filename="sentinel.bin"',
    change: { lever: 'sentinel-metadata', value: 'disposition' },
    expected: {
      status: 'failed',
      fault: 'storage',
      check: 'storage',
      kind: 'metadata-mismatch',
      rule: 'object-metadata',
    },
    saw: { 'end-to-end': 'header-conflict', app: 'ok', storage: 'metadata-mismatch', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel with two names', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },

  // The app.
  {
    name: 'app-down',
    description: 'the app server is not running: {proxy} answers 503 and the app port refuses connections',
    changes: 'gunicorn: stopped (restore: started again on the same port)',
    change: { lever: 'app-server', value: 'down' },
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'connect-refused' },
    saw: { 'end-to-end': 'status', app: 'connect-refused', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '503', app: 'refused', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        description: 'the app server is not running: nginx answers 502 and the app port refuses connections',
        symptoms: { endToEnd: '502', app: 'refused', proxy: 'sentinel' },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'app-refuses-host',
    description: "Django's ALLOWED_HOSTS no longer lists the host the checks use: the app answers 400",
    changes: "Django: ALLOWED_HOSTS becomes ['app.example.internal'], then gunicorn's workers are reloaded",
    change: { lever: 'app', option: 'allowedHostsOverride', value: ['app.example.internal'] },
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '400', app: '400', proxy: 'sentinel' },
    on: { 'nginx-s3': {}, 'apache-disk': {}, 'lighttpd-disk': {} },
  },
  {
    name: 'healthcheck-route-missing',
    description: "a deploy dropped the healthcheck URLs from Django's urls.py: the app answers 404",
    changes:
      "Django: urls.py is generated without the healthcheck routes, then gunicorn's workers are reloaded",
    change: { lever: 'app', option: 'omitRoutes', value: true },
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '404', app: '404', proxy: 'sentinel' },
    on: { 'nginx-s3': {}, 'apache-disk': {}, 'lighttpd-disk': {} },
  },
  {
    name: 'offload-wrong-prefix',
    description: "the app's X-Sendfile names a directory {proxy} does not send from: downloads get 404",
    changes: "Django: DOWNLOADVIEW_RULES' destination_dir becomes /protected/",
    change: { lever: 'app', option: 'destinationOverride', value: '/protected/' },
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'header-mismatch' },
    saw: { 'end-to-end': 'status', app: 'header-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '404', app: 'offloaded to /protected/healthcheck.txt', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        description:
          "the app's X-Accel-Redirect has a prefix nginx has no internal location for: downloads get 404",
        changes: "Django: DOWNLOADVIEW_RULES' destination_url becomes /protected/ instead of /_storage/",
      },
      'apache-disk': {},
      // Outside x-sendfile-docroot: lighttpd refuses the path with 403.
      'lighttpd-disk': {
        description: "the app's X-Sendfile names a directory outside x-sendfile-docroot: downloads get 403",
        symptoms: { endToEnd: '403', app: 'offloaded to /protected/healthcheck.txt', proxy: 'sentinel' },
      },
    },
  },
  {
    name: 'offload-rule-misses-storage',
    description:
      "django-downloadview's rule no longer matches the storage's URLs: Django streams the file itself",
    changes: "Django: DOWNLOADVIEW_RULES' source_url names another directory (file:///elsewhere/)",
    change: { lever: 'app', option: 'sourceOverride', value: 'file:///elsewhere/' },
    expected: { status: 'degraded', fault: 'app', check: 'app', kind: 'not-offloaded' },
    saw: { 'end-to-end': ['ok', 'range-ignored'], app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'streamed', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        changes: "Django: DOWNLOADVIEW_RULES' source_url names another storage host than the file's URL",
        change: { lever: 'app', option: 'sourceOverride', value: 'http://storage.example.internal/bucket/' },
        saw: { 'end-to-end': 'range-ignored', app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'middleware-disabled',
    description:
      'django-downloadview no longer offloads: Django streams the file itself and downloads still work',
    changes:
      "Django: SmartDownloadMiddleware is removed from MIDDLEWARE, then gunicorn's workers are reloaded",
    change: { lever: 'app', option: 'omitMiddleware', value: true },
    expected: { status: 'degraded', fault: 'app', check: 'app', kind: 'not-offloaded' },
    saw: { 'end-to-end': ['ok', 'range-ignored'], app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'streamed', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        saw: { 'end-to-end': 'range-ignored', app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'unicode-basename-dropped',
    sentinel: 'unicode',
    description:
      'the download view no longer sets basename: a file meant as rapport-été.txt downloads as its disk name',
    changes: "Django: the views lose `basename`, so the name comes from the X-Sendfile path's last segment",
    change: { lever: 'app', option: 'omitBasename', value: true },
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'filename-mismatch' },
    saw: { 'end-to-end': 'filename-mismatch', app: 'filename-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: {
      endToEnd: 'sentinel as "rapport-ete.txt"',
      app: 'offloaded as "rapport-ete.txt"',
      proxy: 'sentinel',
    },
    on: {
      // django-downloadview takes the name from the redirect URL, query and all: the signature ends up in
      // Content-Disposition (the checks print it redacted).
      'nginx-s3': {
        description:
          "the download view no longer sets basename: the file downloads under its percent-encoded name, with the signed URL's query appended",
        changes:
          "Django: the views lose `basename`, so the name comes from the X-Accel-Redirect URL's last segment",
        symptoms: {
          endToEnd: 'sentinel as "rapport-%C3%A9t%C3%A9.txt?…"',
          app: 'offloaded as "rapport-%C3%A9t%C3%A9.txt?…"',
          proxy: 'sentinel',
        },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'querystring-auth-off',
    description:
      "the app's storage URLs are unsigned (the public-bucket setting on a private bucket): S3 refuses nginx with 403",
    changes: "Django: AWS_QUERYSTRING_AUTH = False, then gunicorn's workers are reloaded",
    change: { lever: 'app', option: 'unsignedUrls', value: true },
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'header-mismatch' },
    saw: { 'end-to-end': 'status', app: 'header-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '403', app: 'offloaded unsigned', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },

  {
    name: 'head-refused-by-app',
    description: 'the download view answers GET only: HEAD gets 405 through {proxy} and from the app alike',
    changes: 'Django: the views get http_method_names = ["get"], then gunicorn\'s workers are reloaded',
    change: { lever: 'app', option: 'getOnly', value: true },
    expected: {
      status: 'degraded',
      fault: 'app',
      check: 'app',
      kind: 'head-mismatch',
      rule: 'head-fails-at-app',
    },
    saw: { 'end-to-end': 'head-mismatch', app: 'head-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {}, 'apache-disk': {}, 'lighttpd-disk': {} },
  },

  // The proxy, alone or with the app.
  {
    name: 'storage-upstream-wrong-port',
    description: "nginx's storage upstream points to a closed port: the proxy check and downloads get 502",
    changes: 'nginx: the shared storage upstream is generated with a closed port, then nginx is reloaded',
    change: { lever: 'proxy', option: 'storagePortOverride', value: CLOSED_PORT },
    expected: { status: 'failed', fault: 'proxy', check: 'proxy', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'status' },
    symptoms: { endToEnd: '502', app: 'offloaded', proxy: '502' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'storage-upstream-wrong-bucket',
    description: "nginx's storage locations name a bucket that does not exist: the proxy check gets 404",
    changes:
      'nginx: the storage root becomes /no-such-bucket/ in both storage locations, then nginx is reloaded',
    change: { lever: 'proxy', option: 'storageRootOverride', value: '/no-such-bucket/' },
    expected: { status: 'failed', fault: 'proxy', check: 'proxy', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'status' },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: '404' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'signed-query-dropped',
    description:
      "nginx's internal location drops the app's signed query (proxy_pass with variables): S3 refuses with 403",
    changes:
      'nginx: the internal location becomes a regex location whose proxy_pass names the key in a variable, without $is_args$args',
    change: { lever: 'proxy', option: 'dropSignedQuery', value: true },
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '403', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'internal-prefix-mismatch',
    description: "nginx's internal location no longer matches the app's X-Accel-Redirect: downloads get 404",
    changes: 'nginx: the internal location moves to /protected-files/ while the app still sends /_storage/…',
    change: { lever: 'proxy', option: 'internalPrefixOverride', value: '/protected-files/' },
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'proxy-sends-refused-host',
    description:
      "{proxy} sends the app a Host Django refuses, while the app check's Host is allowed: downloads get 400",
    changes: '{proxy}: the download route sets the Host header to backend.internal, then a graceful reload',
    change: { lever: 'proxy', option: 'appHostOverride', value: 'backend.internal' },
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: '400', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {}, 'apache-disk': {}, 'lighttpd-disk': {} },
  },
  {
    name: 'proxy-cannot-reach-app',
    description:
      "{proxy}'s route to the app points to a closed port: downloads get 503, the app itself is fine",
    changes: '{proxy}: the download route is generated with a closed port, then a graceful reload',
    change: { lever: 'proxy', option: 'appPortOverride', value: CLOSED_PORT },
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: '503', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        description:
          "nginx's app upstream points to a closed port: downloads get 502, the app itself is fine",
        symptoms: { endToEnd: '502', app: 'offloaded', proxy: 'sentinel' },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'ranges-disabled',
    description:
      '{proxy} ignores Range on the download route and answers whole files: resumed downloads restart',
    changes: '{proxy}: the download route is generated with ranges switched off, then a graceful reload',
    change: { lever: 'proxy', option: 'disableRanges', value: true },
    expected: { status: 'degraded', fault: 'proxy', check: 'end-to-end', kind: 'range-ignored' },
    saw: { 'end-to-end': 'range-ignored', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        changes:
          'nginx: `max_ranges 0;` and `proxy_set_header Range "";` in the offload location, then a reload',
      },
      'apache-disk': { changes: 'Apache: `MaxRanges none` in the download route, then a graceful reload' },
      'lighttpd-disk': {
        changes:
          'lighttpd: `server.range-requests = "disable"` on the download route, then a graceful restart',
      },
    },
  },
  {
    name: 'disposition-dropped',
    description:
      "{proxy} strips the app's Content-Disposition from downloads: browsers save the file under the URL's name",
    changes: "{proxy}: the download route removes the response's Content-Disposition, then a graceful reload",
    change: { lever: 'proxy', option: 'dropDisposition', value: true },
    // The app sends the right name (its check), storage has nothing to say about it: the proxy changes headers.
    expected: {
      status: 'failed',
      fault: 'proxy',
      check: 'end-to-end',
      kind: 'filename-mismatch',
      rule: 'proxy-changes-headers',
    },
    saw: { 'end-to-end': 'filename-mismatch', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: 'sentinel without a name', app: 'offloaded', proxy: 'sentinel' },
    // Not on nginx: it passes the app's Content-Disposition on through X-Accel-Redirect, proxy_hide_header or not.
    on: { 'apache-disk': {}, 'lighttpd-disk': {} },
  },
  {
    name: 'xsendfile-off',
    description: 'mod_xsendfile is not switched on: the client gets the X-Sendfile header and an empty body',
    changes: 'Apache: the download route is generated without `XSendFile On`, then a graceful reload',
    change: { lever: 'proxy', option: 'xsendfileOff', value: true },
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'header-leak' },
    saw: { 'end-to-end': 'header-leak', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: 'header leaked', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'apache-disk': {},
      // lighttpd drops the header when X-Sendfile is not allowed, and sends the app's empty body.
      'lighttpd-disk': {
        description: "lighttpd's backend does not allow X-Sendfile: the client gets an empty 200",
        changes: 'lighttpd: the app backend gets `"allow-x-send-file" => "disable"`, then a graceful restart',
        expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'size-mismatch' },
        saw: { 'end-to-end': 'size-mismatch', ...DISK_STORAGE_OK },
        symptoms: { endToEnd: 'empty', app: 'offloaded', proxy: 'sentinel' },
      },
    },
  },
  {
    name: 'no-xsendfilepath',
    description: 'XSendFilePath is missing: mod_xsendfile refuses the file the app names, downloads get 404',
    changes: 'Apache: the download route is generated without `XSendFilePath`, then a graceful reload',
    change: { lever: 'proxy', option: 'omitXSendFilePath', value: true },
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: 'sentinel' },
    on: { 'apache-disk': {} },
  },
  {
    name: 'xsendfilepath-mismatch',
    description: "XSendFilePath allows another directory than the app's X-Sendfile names: downloads get 404",
    changes: 'Apache: XSendFilePath becomes /var/empty, then a graceful reload',
    change: { lever: 'proxy', option: 'xsendfilePathOverride', value: '/var/empty/' },
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'apache-disk': {},
      'lighttpd-disk': {
        description:
          "x-sendfile-docroot allows another directory than the app's X-Sendfile names: downloads get 403",
        changes: 'lighttpd: x-sendfile-docroot becomes /var/empty/, then a graceful restart',
        symptoms: { endToEnd: '403', app: 'offloaded', proxy: 'sentinel' },
      },
    },
  },
  {
    name: 'extra-disposition',
    description:
      "{proxy} adds a Content-Disposition of its own beside the app's: two different headers, which browsers refuse",
    changes: '{proxy}: the download route adds `Content-Disposition: attachment`, then a graceful reload',
    change: { lever: 'proxy', option: 'extraDisposition', value: 'attachment' },
    expected: {
      status: 'failed',
      fault: 'proxy',
      check: 'end-to-end',
      kind: 'header-conflict',
      rule: 'proxy-changes-headers',
    },
    saw: { 'end-to-end': 'header-conflict', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: 'sentinel with two names', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'apache-disk': {
        changes:
          'Apache: `Header add Content-Disposition "attachment"` on the download route, then a graceful reload',
      },
      'lighttpd-disk': {
        changes:
          'lighttpd: `setenv.add-response-header` adds Content-Disposition "attachment" on the download route, then a graceful restart',
      },
    },
  },
  {
    name: 'repeated-disposition',
    description:
      'Apache adds the very Content-Disposition the app sends: the same header twice (a note: browsers take it)',
    changes:
      'Apache: `Header add Content-Disposition "attachment; filename=\\"healthcheck.txt\\""` on the download route, then a graceful reload',
    change: { lever: 'proxy', option: 'extraDisposition', value: 'attachment; filename="healthcheck.txt"' },
    expected: { status: 'healthy', fault: null, check: 'end-to-end', kind: { note: 'repeated-header' } },
    saw: { 'end-to-end': 'ok', app: 'ok', storage: '-', proxy: '-' },
    symptoms: { endToEnd: 'sentinel with two names', app: 'offloaded', proxy: 'sentinel' },
    on: { 'apache-disk': {} },
  },
  {
    name: 'storage-headers-shown',
    description:
      "nginx no longer hides storage's own headers: x-amz-* reach every client (a note, not a failure)",
    changes:
      'nginx: the storage locations are generated without their `proxy_hide_header` lines, then a reload',
    change: { lever: 'proxy', option: 'showStorageHeaders', value: true },
    expected: { status: 'healthy', fault: null, check: 'end-to-end', kind: { note: 'storage-headers' } },
    saw: { 'end-to-end': 'ok', app: 'ok', storage: '-', proxy: '-' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'compressed-downloads',
    description:
      '{proxy} compresses downloads for clients that accept it: no Content-Length, a Content-Encoding the file does not have (a note)',
    changes: '{proxy}: compression switched on for the download route, then a graceful reload',
    change: { lever: 'proxy', option: 'compressDownloads', value: true },
    expected: { status: 'healthy', fault: null, check: 'end-to-end', kind: { note: 'content-encoding' } },
    saw: { 'end-to-end': 'ok', app: 'ok', storage: '-', proxy: '-' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        changes: 'nginx: `gzip on; gzip_types *; gzip_min_length 1;` in the internal location, then a reload',
      },
      // Not on Apache: mod_xsendfile sends the file after mod_deflate has run (SetOutputFilter and
      // AddOutputFilterByType alike), so downloads stay uncompressed.
      // lighttpd answers HEAD with the uncompressed length, GET with the compressed one: HEAD lies.
      'lighttpd-disk': {
        description:
          'lighttpd compresses downloads for clients that accept it, and its HEAD then gives the uncompressed length, unlike GET',
        changes:
          'lighttpd: mod_deflate (gzip, text/*, from 1 byte) on the download route, then a graceful restart',
        expected: {
          status: 'degraded',
          fault: 'proxy',
          check: 'end-to-end',
          kind: 'head-mismatch',
          rule: 'head-fails-at-proxy',
        },
        saw: { 'end-to-end': 'head-mismatch', app: 'ok', storage: 'ok', proxy: 'ok' },
      },
    },
  },
  {
    name: 'storage-errors-masked',
    description:
      "nginx answers storage's errors with its own 404 page (proxy_intercept_errors), and its storage locations name a bucket that does not exist",
    changes:
      'nginx: `proxy_intercept_errors on` with `error_page 403 404 =404` in both storage locations, and their bucket becomes /no-such-bucket/',
    change: [
      { lever: 'proxy', option: 'interceptErrors', value: true },
      { lever: 'proxy', option: 'storageRootOverride', value: '/no-such-bucket/' },
    ],
    expected: {
      status: 'failed',
      fault: 'proxy',
      check: 'proxy',
      kind: 'status',
      rule: 'proxy-masks-storage-errors',
    },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'status' },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: '404' },
    on: { 'nginx-s3': {} },
  },

  {
    name: 'key-in-variable',
    sentinel: 'awkward',
    description:
      "nginx's internal location names the key in a variable: nginx sends it decoded and unescaped, so a key with a space, +, %, a comma or non-ASCII breaks (storage answers 400) while plain keys work",
    changes:
      'nginx: the internal location becomes a regex location whose proxy_pass names the key in a variable (the signed query kept)',
    change: { lever: 'proxy', option: 'keyInVariable', value: true },
    expected: {
      status: 'failed',
      fault: 'proxy-app',
      check: 'end-to-end',
      kind: 'status',
      rule: 'proxy-app-glue',
    },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '400', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'temp-files-unwritable',
    sentinel: 'big',
    description:
      "nginx cannot write the temp files of the offload location, and clients are slower than storage: a big download is cut after nginx's memory buffers, small sentinels pass",
    changes:
      'nginx: the internal location gets `proxy_temp_path /proc` (not writable) and `limit_rate 512k` (a client slower than storage), then a reload',
    change: { lever: 'proxy', option: 'unwritableTempPath', value: '/proc' },
    expected: {
      status: 'failed',
      fault: 'proxy-app',
      check: 'end-to-end',
      kind: 'truncated',
      rule: 'proxy-app-glue',
    },
    saw: { 'end-to-end': 'truncated', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'cut', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },

  // The monitor's own settings: the stack is fine, what the checks are told is not.
  {
    name: 'end-to-end-wrong-port',
    description:
      "the config's end-to-end URL has a port nothing listens on: end to end is refused, while the proxy check reaches {proxy}",
    changes: "monitor: the end-to-end URL's port becomes a closed one (the stack is unchanged)",
    change: { lever: 'monitor', option: 'endToEndPortOverride', value: CLOSED_PORT },
    expected: {
      status: 'failed',
      fault: 'unknown',
      check: 'end-to-end',
      kind: 'connect-refused',
      rule: 'end-to-end-unreachable',
    },
    saw: { 'end-to-end': 'connect-refused', ...DISK_STORAGE_OK },
    symptoms: { endToEnd: 'refused', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {}, 'apache-disk': {}, 'lighttpd-disk': {} },
  },
  {
    name: 'stale-storage-settings',
    allLayers: true,
    description:
      "the storage check's settings name the old place of the sentinel: runs stay healthy, and a full run warns the monitor's owners",
    changes:
      "monitor: the storage check's directory becomes the old one (the stack is unchanged); a full run",
    change: { lever: 'monitor', option: 'staleStorageSettings', value: true },
    expected: {
      status: 'healthy',
      fault: null,
      check: 'storage',
      kind: 'fs-not-found',
      rule: 'healthy',
      monitorWarning: true,
    },
    saw: { 'end-to-end': 'ok', app: 'ok', storage: 'fs-not-found', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        changes:
          "monitor: the storage check's bucket becomes the old one (the stack is unchanged); a full run",
        expected: {
          status: 'healthy',
          fault: null,
          check: 'storage',
          kind: 's3-no-such-bucket',
          rule: 'healthy',
          monitorWarning: true,
        },
        saw: { 'end-to-end': 'ok', app: 'ok', storage: 's3-no-such-bucket', proxy: 'ok' },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'stale-storage-settings-at-incident',
    description:
      "the storage check's settings are stale, and then {proxy} sends the app a Host it refuses: the proxy serves the sentinel from storage, so the storage check's own settings are named, not storage",
    changes:
      "monitor: the storage check's directory becomes the old one; {proxy}: the download route sets Host: backend.internal",
    change: [
      { lever: 'monitor', option: 'staleStorageSettings', value: true },
      { lever: 'proxy', option: 'appHostOverride', value: 'backend.internal' },
    ],
    expected: {
      status: 'failed',
      fault: 'unknown',
      check: 'storage',
      kind: 'fs-not-found',
      rule: 'storage-check-settings',
      monitorWarning: true,
    },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'fs-not-found', proxy: 'ok' },
    symptoms: { endToEnd: '400', app: 'offloaded', proxy: 'sentinel' },
    on: {
      'nginx-s3': {
        changes:
          "monitor: the storage check's bucket becomes the old one; nginx: the download route sets Host: backend.internal",
        expected: {
          status: 'failed',
          fault: 'unknown',
          check: 'storage',
          kind: 's3-no-such-bucket',
          rule: 'storage-check-settings',
          monitorWarning: true,
        },
        saw: { 'end-to-end': 'status', app: 'ok', storage: 's3-no-such-bucket', proxy: 'ok' },
      },
      'apache-disk': {},
      'lighttpd-disk': {},
    },
  },
  {
    name: 'monitor-without-credentials',
    description:
      'the monitor runs without AWS credentials, and then nginx sends the app a Host it refuses: the storage check cannot run, storage is not paged',
    changes:
      'monitor: no AWS credentials in its environment (none in a file, no instance role); nginx: the download route sets Host: backend.internal',
    change: [
      { lever: 'monitor', option: 'credentials', value: 'absent' },
      { lever: 'proxy', option: 'appHostOverride', value: 'backend.internal' },
    ],
    expected: {
      status: 'failed',
      fault: 'unknown',
      check: 'storage',
      kind: 'monitor-credentials',
      rule: 'storage-check-could-not-run',
      monitorWarning: true,
    },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'monitor-credentials', proxy: 'monitor-credentials' },
    symptoms: { endToEnd: '400', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },
  {
    name: 'monitor-without-credentials-full-run',
    allLayers: true,
    description:
      "the monitor runs without AWS credentials: a full run says so to the monitor's owners, downloads stay healthy",
    changes: 'monitor: no AWS credentials in its environment (none in a file, no instance role); a full run',
    change: { lever: 'monitor', option: 'credentials', value: 'absent' },
    expected: {
      status: 'healthy',
      fault: null,
      check: 'storage',
      kind: 'monitor-credentials',
      rule: 'healthy',
      monitorWarning: true,
    },
    saw: { 'end-to-end': 'ok', app: 'ok', storage: 'monitor-credentials', proxy: 'monitor-credentials' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    on: { 'nginx-s3': {} },
  },
] as const satisfies readonly FaultDefinition[];

type EntryName<D> = D extends { readonly name: infer N extends string; readonly on: infer O }
  ? { [V in keyof O & Variant]: `${(typeof NAME_PREFIX)[V]}${N}` }[keyof O & Variant]
  : never;
export type FaultName = EntryName<(typeof FAULT_DEFINITIONS)[number]>;

/** A definition's entry on one variant: the shared fields, what differs there, `{proxy}` named. */
function entry(d: FaultDefinition, variant: Variant): SandboxFault {
  const { on, name, ...shared } = d;
  const merged = { ...shared, ...on[variant] };
  const text = (s: string | undefined) => (s ?? '').replaceAll('{proxy}', PROXY_NAMES[variant]);
  const { change, expected, saw, symptoms } = merged;
  if (!change || !expected || !saw || !symptoms) throw new Error(`fault ${name} is incomplete on ${variant}`);
  return {
    ...merged,
    name: `${NAME_PREFIX[variant]}${name}` as FaultName,
    variant,
    description: text(merged.description),
    changes: text(merged.changes),
    change,
    expected,
    saw,
    symptoms,
  };
}

/** Every fault on every variant it exists on, variant by variant. */
export const SANDBOX_FAULTS: readonly SandboxFault[] = (Object.keys(SANDBOX_VARIANTS) as Variant[]).flatMap(
  (variant) =>
    (FAULT_DEFINITIONS as readonly FaultDefinition[])
      .filter((d) => variant in d.on)
      .map((d) => entry(d, variant)),
);

/** The faults of one sandbox variant. */
export function variantFaults(variant: Variant): SandboxFault[] {
  return SANDBOX_FAULTS.filter((f) => f.variant === variant);
}

export function sandboxFault(name: FaultName): SandboxFault {
  const fault = SANDBOX_FAULTS.find((f) => f.name === name);
  if (!fault) throw new Error(`no sandbox fault named "${name}"`);
  return fault;
}
