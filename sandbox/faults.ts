/**
 * The sandbox's known faults: one table, read by the sandbox (applyFault), the integration test and the
 * scenario matrix. Each entry says what it breaks, the verdict download-doctor must reach, and how to switch it
 * on and off. Proxy and app faults are switched by reloading nginx or gunicorn, never by restarting them.
 */
import type { FailureKind, Fault, Layer, Status } from '../functions/core/names.ts';
import type { SandboxControl } from './stack.ts';

export interface ExpectedVerdict {
  readonly status: Exclude<Status, 'healthy'>;
  readonly fault: Exclude<Fault, 'unknown'>;
  /** The check that must flag the fault ... */
  readonly check: Layer;
  /** ... and the failure kind it must report. */
  readonly kind: FailureKind;
}

export interface SandboxFault {
  readonly name: string;
  /** What an on-call engineer would see, in one line. */
  readonly description: string;
  /** What the fault changes in the stack. */
  readonly changes: string;
  readonly expected: ExpectedVerdict;
  /** Both resolve once the change has taken effect: a check may run right away. */
  apply(sandbox: { readonly control: SandboxControl }): Promise<void>;
  restore(sandbox: { readonly control: SandboxControl }): Promise<void>;
}

export const SANDBOX_FAULTS = [
  {
    name: 'sentinel-deleted',
    description: 'the sentinel is gone from the bucket: every layer that reads it fails',
    changes: 'S3: the sentinel object is deleted (restore: uploaded again)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-no-such-key' },
    apply: ({ control }) => control.deleteSentinel(),
    restore: ({ control }) => control.uploadSentinel(),
  },
  {
    name: 'sentinel-access-denied',
    description: 'a bucket policy denies reading the sentinel, to the SDK and to anonymous readers alike',
    changes: 'S3: the bucket policy on the sentinel becomes Deny s3:GetObject for "*" (restore: Allow)',
    expected: { status: 'failed', fault: 'storage', check: 'storage', kind: 's3-access-denied' },
    apply: ({ control }) => control.setSentinelPolicy('Deny'),
    restore: ({ control }) => control.setSentinelPolicy('Allow'),
  },
  {
    name: 'app-down',
    description: 'the app server is not running: nginx answers 502 and the app port refuses connections',
    changes: 'gunicorn: stopped (restore: started again on the same port)',
    expected: { status: 'failed', fault: 'app', check: 'app', kind: 'connect-refused' },
    apply: ({ control }) => control.stopApp(),
    restore: ({ control }) => control.startApp(),
  },
  {
    name: 'storage-upstream-wrong-port',
    description: "nginx's storage upstream points to a closed port: the proxy check and downloads get 502",
    changes: 'nginx: the shared storage upstream is generated with a closed port, then nginx is reloaded',
    expected: { status: 'failed', fault: 'proxy', check: 'proxy', kind: 'status' },
    apply: async ({ control }) =>
      control.reconfigureProxy({ storagePortOverride: await control.closedPort() }),
    restore: ({ control }) => control.reconfigureProxy({ storagePortOverride: undefined }),
  },
  {
    name: 'internal-prefix-mismatch',
    description: "nginx's internal location no longer matches the app's X-Accel-Redirect: downloads get 404",
    changes: 'nginx: the internal location moves to /protected-files/ while the app still sends /_storage/…',
    expected: { status: 'failed', fault: 'proxy-app', check: 'end-to-end', kind: 'status' },
    apply: ({ control }) => control.reconfigureProxy({ internalPrefixOverride: '/protected-files/' }),
    restore: ({ control }) => control.reconfigureProxy({ internalPrefixOverride: undefined }),
  },
  {
    name: 'middleware-disabled',
    description:
      'django-downloadview no longer offloads: Django streams the file itself and downloads still work',
    changes:
      "Django: SmartDownloadMiddleware is removed from MIDDLEWARE, then gunicorn's workers are reloaded",
    expected: { status: 'degraded', fault: 'app', check: 'app', kind: 'not-offloaded' },
    apply: ({ control }) => control.reconfigureApp({ offload: false }),
    restore: ({ control }) => control.reconfigureApp({ offload: true }),
  },
] as const satisfies readonly SandboxFault[];

export type FaultName = (typeof SANDBOX_FAULTS)[number]['name'];

export function sandboxFault(name: FaultName): SandboxFault {
  const fault = SANDBOX_FAULTS.find((f) => f.name === name);
  if (!fault) throw new Error(`no sandbox fault named "${name}"`);
  return fault;
}
