/** The fault catalogue: Storage, and what the object carries besides its bytes. Data: each fault, the variants it exists on, and the verdict it must get. */
import type { FaultDefinition } from './types.ts';

export const STORAGE_FAULTS = [
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
] as const satisfies readonly FaultDefinition[];
