/**
 * The sandbox's known faults: one table, read by the sandbox (applyFault), the integration tests, the demo,
 * `sandbox faults` and docs/faults.md. Each entry names its sandbox variant, what it breaks, the verdict
 * download-doctor must reach, and how to switch it on and off. Proxy and app faults change the inputs of the
 * configuration generators (functions/core/snippets/), then reload nginx, Apache or gunicorn, never restart them.
 */
import type { FailureKind, Fault, Layer, Status } from '../functions/core/names.ts';
import type { SandboxControl } from './stack.ts';

import type { Variant } from './variants.ts';

export { SANDBOX_VARIANTS, type Variant } from './variants.ts';

export interface ExpectedVerdict {
  readonly status: Exclude<Status, 'healthy'>;
  readonly fault: Exclude<Fault, 'unknown'>;
  /** The check that must flag the fault ... */
  readonly check: Layer;
  /** ... and the failure kind it must report. */
  readonly kind: FailureKind;
}

/** A check's outcome in the fault matrix: `ok`, `slow`, its failure kind (`failed` if it has none), or `-`
 * when it did not run. */
export type Outcome = FailureKind | 'ok' | 'slow' | 'failed' | '-';

/** What each healthcheck URL answers, in a word or two (see test/integration/sandbox.test.ts): `sentinel`,
 * `offloaded`, `streamed`, `other bytes`, `offloaded to PATH`, `header leaked`, `refused`, or the status code;
 * `… as "NAME"` when Content-Disposition names another file than the sentinel's. */
export interface Symptoms {
  readonly endToEnd: string;
  readonly app: string;
  readonly proxy: string;
}

export interface SandboxFault {
  readonly name: string;
  /** The sandbox it breaks. */
  readonly variant: Variant;
  /** What an on-call engineer would see, in one line. */
  readonly description: string;
  /** What the fault changes in the stack. */
  readonly changes: string;
  readonly expected: ExpectedVerdict;
  /**
   * What each check reports. A list where the stack itself varies from run to run: Apache serves a Range
   * request from a reply the app streams only when the whole reply comes in one piece.
   */
  readonly saw: Readonly<Record<Layer, Outcome | readonly Outcome[]>>;
  /** The extra sentinel whose checks show the fault (target `sandbox-NAME`); the first sentinel when absent. */
  readonly sentinel?: 'unicode';
  /** The raw symptom, seen with plain HTTP requests (only the URLs listed are compared). */
  readonly symptoms: Partial<Symptoms>;
  /** Both resolve once the change has taken effect: a check may run right away. */
  apply(sandbox: { readonly control: SandboxControl }): Promise<void>;
  restore(sandbox: { readonly control: SandboxControl }): Promise<void>;
}

export const SANDBOX_FAULTS = [
  {
    variant: 'nginx-s3',
    name: 'sentinel-deleted',
    description: 'the sentinel is gone from the bucket: every layer that reads it fails',
    changes: 'S3: the sentinel object is deleted (restore: uploaded again)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-no-such-key' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 's3-no-such-key', proxy: 'status' },
    symptoms: { endToEnd: '500', app: '500', proxy: '404' },
    apply: ({ control }) => control.deleteSentinel(),
    restore: ({ control }) => control.uploadSentinel(),
  },
  {
    variant: 'nginx-s3',
    name: 'sentinel-access-denied',
    description: 'a bucket policy denies reading the sentinel, to the SDK and to anonymous readers alike',
    changes: 'S3: the bucket policy on the sentinel becomes Deny s3:GetObject for "*" (restore: Allow)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-access-denied' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 's3-access-denied', proxy: 'status' },
    symptoms: { endToEnd: '403', proxy: '403' },
    apply: ({ control }) => control.setSentinelAccess('deny'),
    restore: ({ control }) => control.setSentinelAccess('allow'),
  },
  {
    variant: 'nginx-s3',
    name: 'sentinel-corrupted',
    description: 'the sentinel was overwritten with other bytes of the same size: only its checksum tells',
    changes:
      'S3: the sentinel object is replaced by different bytes of the same length (restore: uploaded again)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'checksum-mismatch' },
    saw: {
      'end-to-end': 'checksum-mismatch',
      app: 'ok',
      storage: 'checksum-mismatch',
      proxy: 'checksum-mismatch',
    },
    symptoms: { endToEnd: 'other bytes', app: 'offloaded', proxy: 'other bytes' },
    apply: ({ control }) => control.corruptSentinel(),
    restore: ({ control }) => control.uploadSentinel(),
  },
  {
    variant: 'nginx-s3',
    name: 'storage-down',
    description: 'the storage server is down: the SDK and nginx alike cannot connect to it',
    changes: 'moto_server: stopped (restore: started again, with the bucket, the sentinel and its policy)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-unreachable' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 's3-unreachable', proxy: 'status' },
    symptoms: { endToEnd: '500', app: '500', proxy: '502' },
    apply: ({ control }) => control.stopStorage(),
    restore: ({ control }) => control.startStorage(),
  },
  {
    variant: 'nginx-s3',
    name: 'app-down',
    description: 'the app server is not running: nginx answers 502 and the app port refuses connections',
    changes: 'gunicorn: stopped (restore: started again on the same port)',
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'connect-refused' },
    saw: { 'end-to-end': 'status', app: 'connect-refused', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '502', app: 'refused', proxy: 'sentinel' },
    apply: ({ control }) => control.stopApp(),
    restore: ({ control }) => control.startApp(),
  },
  {
    variant: 'nginx-s3',
    name: 'app-refuses-host',
    description: "Django's ALLOWED_HOSTS no longer lists the host the checks use: the app answers 400",
    changes: "Django: ALLOWED_HOSTS becomes ['app.example.internal'], then gunicorn's workers are reloaded",
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '400', app: '400', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureApp({ allowedHostsOverride: ['app.example.internal'] }),
    restore: ({ control }) => control.reconfigureApp({ allowedHostsOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'offload-wrong-prefix',
    description:
      "the app's X-Accel-Redirect has a prefix nginx has no internal location for: downloads get 404",
    changes: "Django: DOWNLOADVIEW_RULES' destination_url becomes /protected/ instead of /_storage/",
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'header-mismatch' },
    saw: { 'end-to-end': 'status', app: 'header-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '404', app: 'offloaded to /protected/healthcheck.txt', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureApp({ destinationOverride: '/protected/' }),
    restore: ({ control }) => control.reconfigureApp({ destinationOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'offload-rule-misses-storage',
    description:
      "django-downloadview's rule no longer matches the storage URL: Django streams the file itself",
    changes: "Django: DOWNLOADVIEW_RULES' source_url names another storage host than the file's URL",
    expected: { status: 'degraded', fault: 'app', check: 'app', kind: 'not-offloaded' },
    saw: { 'end-to-end': 'range-ignored', app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'streamed', proxy: 'sentinel' },
    apply: ({ control }) =>
      control.reconfigureApp({ sourceOverride: 'http://storage.example.internal/bucket/' }),
    restore: ({ control }) => control.reconfigureApp({ sourceOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'storage-upstream-wrong-port',
    description: "nginx's storage upstream points to a closed port: the proxy check and downloads get 502",
    changes: 'nginx: the shared storage upstream is generated with a closed port, then nginx is reloaded',
    expected: { status: 'failed', fault: 'proxy', check: 'proxy', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'status' },
    symptoms: { endToEnd: '502', app: 'offloaded', proxy: '502' },
    apply: async ({ control }) =>
      control.reconfigureProxy({ storagePortOverride: await control.closedPort() }),
    restore: ({ control }) => control.reconfigureProxy({ storagePortOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'storage-upstream-wrong-bucket',
    description: "nginx's storage locations name a bucket that does not exist: the proxy check gets 404",
    changes:
      'nginx: the storage root becomes /no-such-bucket/ in both storage locations, then nginx is reloaded',
    expected: { status: 'failed', fault: 'proxy', check: 'proxy', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'status' },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: '404' },
    apply: ({ control }) => control.reconfigureProxy({ storageRootOverride: '/no-such-bucket/' }),
    restore: ({ control }) => control.reconfigureProxy({ storageRootOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'proxy-sends-refused-host',
    description:
      "nginx sends the app a Host Django refuses, while the app check's Host is allowed: downloads get 400",
    changes: 'nginx: proxy_set_header Host backend.internal in the download route, then nginx is reloaded',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '400', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ appHostOverride: 'backend.internal' }),
    restore: ({ control }) => control.reconfigureProxy({ appHostOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'proxy-cannot-reach-app',
    description: "nginx's app upstream points to a closed port: downloads get 502, the app itself is fine",
    changes: 'nginx: the app upstream is generated with a closed port, then nginx is reloaded',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '502', app: 'offloaded', proxy: 'sentinel' },
    apply: async ({ control }) => control.reconfigureProxy({ appPortOverride: await control.closedPort() }),
    restore: ({ control }) => control.reconfigureProxy({ appPortOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'internal-prefix-mismatch',
    description: "nginx's internal location no longer matches the app's X-Accel-Redirect: downloads get 404",
    changes: 'nginx: the internal location moves to /protected-files/ while the app still sends /_storage/…',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ internalPrefixOverride: '/protected-files/' }),
    restore: ({ control }) => control.reconfigureProxy({ internalPrefixOverride: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'internal-location-exposed',
    description:
      "nginx's offload location lacks `internal;`: anyone can read storage without the app's checks",
    changes: 'nginx: the offload location is generated without `internal;`, then nginx is reloaded',
    expected: { status: 'degraded', fault: 'proxy', check: 'end-to-end', kind: 'internal-exposed' },
    saw: { 'end-to-end': 'internal-exposed', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ omitInternal: true }),
    restore: ({ control }) => control.reconfigureProxy({ omitInternal: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'ranges-disabled',
    description: 'nginx drops the Range header to storage and answers whole files: resumed downloads restart',
    changes: 'nginx: `max_ranges 0;` and `proxy_set_header Range "";` in the offload location, then a reload',
    expected: { status: 'degraded', fault: 'proxy', check: 'end-to-end', kind: 'range-ignored' },
    saw: { 'end-to-end': 'range-ignored', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ disableRanges: true }),
    restore: ({ control }) => control.reconfigureProxy({ disableRanges: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'middleware-disabled',
    description:
      'django-downloadview no longer offloads: Django streams the file itself and downloads still work',
    changes:
      "Django: SmartDownloadMiddleware is removed from MIDDLEWARE, then gunicorn's workers are reloaded",
    expected: { status: 'degraded', fault: 'app', check: 'app', kind: 'not-offloaded' },
    saw: { 'end-to-end': 'range-ignored', app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'streamed', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureApp({ omitMiddleware: true }),
    restore: ({ control }) => control.reconfigureApp({ omitMiddleware: undefined }),
  },
  {
    variant: 'nginx-s3',
    name: 'unicode-basename-dropped',
    sentinel: 'unicode',
    description:
      'the download view no longer sets basename: a non-ASCII file downloads under its percent-encoded name',
    changes:
      "Django: the views lose `basename`, so the name comes from the X-Accel-Redirect URL's last segment",
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'filename-mismatch' },
    saw: { 'end-to-end': 'filename-mismatch', app: 'filename-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: {
      endToEnd: 'sentinel as "rapport-%C3%A9t%C3%A9.txt"',
      app: 'offloaded as "rapport-%C3%A9t%C3%A9.txt"',
      proxy: 'sentinel',
    },
    apply: ({ control }) => control.reconfigureApp({ omitBasename: true }),
    restore: ({ control }) => control.reconfigureApp({ omitBasename: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-sentinel-deleted',
    description: 'the sentinel file is gone: Django cannot open it, and Apache has nothing to send',
    changes: 'disk: the sentinel file is deleted (restore: written again)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'fs-not-found' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 'fs-not-found', proxy: 'status' },
    symptoms: { endToEnd: '500', app: '500', proxy: '404' },
    apply: ({ control }) => control.deleteSentinel(),
    restore: ({ control }) => control.uploadSentinel(),
  },
  {
    variant: 'apache-disk',
    name: 'apache-sentinel-unreadable',
    description:
      "the sentinel file's mode is 000: the app still names it, but Apache (as nobody) cannot read it",
    changes: 'disk: chmod 000 on the sentinel file (restore: 644)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'fs-access-denied' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'fs-access-denied', proxy: 'status' },
    // mod_xsendfile answers a file it cannot read with 404, not 403: only the storage check tells why.
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: '403' },
    apply: ({ control }) => control.setSentinelAccess('deny'),
    restore: ({ control }) => control.setSentinelAccess('allow'),
  },
  {
    variant: 'apache-disk',
    name: 'apache-sentinel-corrupted',
    description: 'the sentinel file holds other bytes of the same size: only its checksum tells',
    changes: 'disk: the sentinel file is overwritten with different bytes of the same length',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 'checksum-mismatch' },
    saw: {
      'end-to-end': 'checksum-mismatch',
      app: 'ok',
      storage: 'checksum-mismatch',
      proxy: 'checksum-mismatch',
    },
    symptoms: { endToEnd: 'other bytes', app: 'offloaded', proxy: 'other bytes' },
    apply: ({ control }) => control.corruptSentinel(),
    restore: ({ control }) => control.uploadSentinel(),
  },
  {
    variant: 'apache-disk',
    name: 'apache-app-down',
    description: 'the app server is not running: Apache answers 503 and the app port refuses connections',
    changes: 'gunicorn: stopped (restore: started again on the same port)',
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'connect-refused' },
    saw: { 'end-to-end': 'status', app: 'connect-refused', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '503', app: 'refused', proxy: 'sentinel' },
    apply: ({ control }) => control.stopApp(),
    restore: ({ control }) => control.startApp(),
  },
  {
    variant: 'apache-disk',
    name: 'apache-app-refuses-host',
    description: "Django's ALLOWED_HOSTS no longer lists the host the checks use: the app answers 400",
    changes: "Django: ALLOWED_HOSTS becomes ['app.example.internal'], then gunicorn's workers are reloaded",
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'status', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '400', app: '400', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureApp({ allowedHostsOverride: ['app.example.internal'] }),
    restore: ({ control }) => control.reconfigureApp({ allowedHostsOverride: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-offload-wrong-dir',
    description: "the app's X-Sendfile names a directory outside XSendFilePath: downloads get 404",
    changes: "Django: DOWNLOADVIEW_RULES' destination_dir becomes /protected/",
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'header-mismatch' },
    saw: { 'end-to-end': 'status', app: 'header-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '404', app: 'offloaded to /protected/healthcheck.txt', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureApp({ destinationOverride: '/protected/' }),
    restore: ({ control }) => control.reconfigureApp({ destinationOverride: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-offload-rule-misses-storage',
    description:
      "django-downloadview's rule no longer matches the storage's URLs: Django streams the file itself",
    changes: "Django: DOWNLOADVIEW_RULES' source_url names another directory (file:///elsewhere/)",
    expected: { status: 'degraded', fault: 'app', check: 'app', kind: 'not-offloaded' },
    saw: { 'end-to-end': ['ok', 'range-ignored'], app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'streamed', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureApp({ sourceOverride: 'file:///elsewhere/' }),
    restore: ({ control }) => control.reconfigureApp({ sourceOverride: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-middleware-disabled',
    description:
      'django-downloadview no longer offloads: Django streams the file itself and downloads still work',
    changes:
      "Django: SmartDownloadMiddleware is removed from MIDDLEWARE, then gunicorn's workers are reloaded",
    expected: { status: 'degraded', fault: 'app', check: 'app', kind: 'not-offloaded' },
    saw: { 'end-to-end': ['ok', 'range-ignored'], app: 'not-offloaded', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'sentinel', app: 'streamed', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureApp({ omitMiddleware: true }),
    restore: ({ control }) => control.reconfigureApp({ omitMiddleware: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-xsendfile-off',
    description: 'mod_xsendfile is not switched on: the client gets the X-Sendfile header and an empty body',
    changes: 'Apache: the download route is generated without `XSendFile On`, then a graceful reload',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'header-leak' },
    saw: { 'end-to-end': 'header-leak', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'header leaked', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ xsendfileOff: true }),
    restore: ({ control }) => control.reconfigureProxy({ xsendfileOff: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-no-xsendfilepath',
    description: 'XSendFilePath is missing: mod_xsendfile refuses the file the app names, downloads get 404',
    changes: 'Apache: the download route is generated without `XSendFilePath`, then a graceful reload',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ omitXSendFilePath: true }),
    restore: ({ control }) => control.reconfigureProxy({ omitXSendFilePath: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-xsendfilepath-mismatch',
    description: "XSendFilePath allows another directory than the app's X-Sendfile names: downloads get 404",
    changes: 'Apache: XSendFilePath becomes /var/empty, then a graceful reload',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '404', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ xsendfilePathOverride: '/var/empty' }),
    restore: ({ control }) => control.reconfigureProxy({ xsendfilePathOverride: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-sends-refused-host',
    description:
      "Apache sends the app a Host Django refuses, while the app check's Host is allowed: downloads get 400",
    changes:
      'Apache: `RequestHeader set Host backend.internal` in the download route, then a graceful reload',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '400', app: 'offloaded', proxy: 'sentinel' },
    apply: ({ control }) => control.reconfigureProxy({ appHostOverride: 'backend.internal' }),
    restore: ({ control }) => control.reconfigureProxy({ appHostOverride: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-cannot-reach-app',
    description: "Apache's ProxyPass points to a closed port: downloads get 503, the app itself is fine",
    changes: 'Apache: ProxyPass is generated with a closed port, then a graceful reload',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    saw: { 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: '503', app: 'offloaded', proxy: 'sentinel' },
    apply: async ({ control }) => control.reconfigureProxy({ appPortOverride: await control.closedPort() }),
    restore: ({ control }) => control.reconfigureProxy({ appPortOverride: undefined }),
  },
  {
    variant: 'apache-disk',
    name: 'apache-unicode-basename-dropped',
    sentinel: 'unicode',
    description:
      'the download view no longer sets basename: a file meant as rapport-été.txt downloads as its disk name',
    changes: "Django: the views lose `basename`, so the name comes from the X-Sendfile path's last segment",
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'filename-mismatch' },
    saw: { 'end-to-end': 'filename-mismatch', app: 'filename-mismatch', storage: 'ok', proxy: 'ok' },
    symptoms: {
      endToEnd: 'sentinel as "rapport-ete.txt"',
      app: 'offloaded as "rapport-ete.txt"',
      proxy: 'sentinel',
    },
    apply: ({ control }) => control.reconfigureApp({ omitBasename: true }),
    restore: ({ control }) => control.reconfigureApp({ omitBasename: undefined }),
  },
] as const satisfies readonly SandboxFault[];

export type FaultName = (typeof SANDBOX_FAULTS)[number]['name'];

/** The faults of one sandbox variant. */
export function variantFaults(variant: Variant): SandboxFault[] {
  return SANDBOX_FAULTS.filter((f) => f.variant === variant);
}

export function sandboxFault(name: FaultName): SandboxFault {
  const fault = SANDBOX_FAULTS.find((f) => f.name === name);
  if (!fault) throw new Error(`no sandbox fault named "${name}"`);
  return fault;
}
