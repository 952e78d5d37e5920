/** The fault catalogue: The proxy, alone or with the app. Data: each fault, the variants it exists on, and the verdict it must get. */
import { CLOSED_PORT, DISK_STORAGE_OK, type FaultDefinition } from './types.ts';

export const PROXY_FAULTS = [
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
    name: 'stale-offload-cache',
    description:
      "nginx caches storage's answers in the internal location, keyed on the path without the signed query, and the team replaced the sentinel with new bytes of the same size: downloads get the old copy, while storage and the proxy check serve the new one",
    changes:
      'nginx: `proxy_cache` on the internal location (`proxy_cache_key $uri`, kept 10 minutes whatever storage says), then a reload; a download fills it; storage: the sentinel replaced by new bytes of the same size, and the monitor told to expect them',
    change: [
      { lever: 'proxy', option: 'offloadCache', value: 'offload_cache' },
      { lever: 'sentinel', value: 'replaced' },
    ],
    expected: {
      status: 'failed',
      fault: 'proxy',
      check: 'end-to-end',
      kind: 'checksum-mismatch',
      rule: 'stale-copy-in-path',
    },
    saw: { 'end-to-end': 'checksum-mismatch', app: 'ok', storage: 'ok', proxy: 'ok' },
    symptoms: { endToEnd: 'other bytes', app: 'offloaded', proxy: 'sentinel' },
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
] as const satisfies readonly FaultDefinition[];
