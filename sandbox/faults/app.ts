/** The fault catalogue: The app. Data: each fault, the variants it exists on, and the verdict it must get. */
import type { FaultDefinition } from './types.ts';

export const APP_FAULTS = [
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
] as const satisfies readonly FaultDefinition[];
