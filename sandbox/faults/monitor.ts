/** The fault catalogue: The monitor's own settings: the stack is fine, what the checks are told is not. Data: each fault, the variants it exists on, and the verdict it must get. */
import { CLOSED_PORT, DISK_STORAGE_OK, type FaultDefinition } from './types.ts';

export const MONITOR_FAULTS = [
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
