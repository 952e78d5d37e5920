/**
 * The sandbox's known faults, as data: read by the sandbox (applyFault), the integration tests, the demo,
 * `sandbox faults` and docs/faults.md. A fault is a change of one lever to one value: an option of a
 * configuration generator (functions/snippets/: the proxy's or Django's), or one of the stack's own levers
 * (the sentinel's state, its access, a server up or down), or one of the monitor's own settings (what the checks are
 * told, never the stack). Restoring it sets the lever back to its healthy value (`restoreOf`). Proxy and app changes
 * regenerate the configuration, then reload nginx, Apache, lighttpd or gunicorn, never restart them. A fault that
 * needs two things at once (a latent setting and what reveals it) sets two levers.
 *
 * A definition names the variants it exists on, each with what differs there (texts may say `{proxy}`, the
 * variant's server); its entry on a variant is named with the variant's prefix (`apache-…`, `lighttpd-…`).
 * Data only: this module imports types and nothing else, so the CLI reads it at no cost.
 */
import type { FailureKind, Fault, HygieneNote, Layer, Status } from '../../functions/contract/names.ts';
import type { DjangoSnippetOptions } from '../../functions/snippets/django.ts';
import type { MonitorOptions } from '../monitor.ts';
import type { ProxyOptions } from '../proxies.ts';

import { PROXY_NAMES, SANDBOX_VARIANTS, type Variant } from '../variants.ts';

export { PROXY_NAMES, SANDBOX_VARIANTS, type Variant };

/** How a fault's entry is named on each variant: this prefix and the definition's name. */
export const NAME_PREFIX = {
  'nginx-s3': '',
  'apache-disk': 'apache-',
  'lighttpd-disk': 'lighttpd-',
} as const;

/** The stack's own levers, each with its values, the healthy one first. */
export const STACK_LEVERS = {
  /**
   * The first sentinel in storage: there, gone, other bytes of the same size, only its first half, its bytes
   * followed by more (a file that grew), or `replaced` as a team replaces its sentinel: after a download through
   * the proxy (the traffic before, which fills any cache on the way), new bytes of the same size, and the monitor
   * told to expect them.
   */
  sentinel: ['present', 'absent', 'corrupted', 'truncated', 'grown', 'replaced'],
  /**
   * What the first sentinel's object carries besides its bytes (S3): as uploaded, S3's default type
   * (binary/octet-stream, as an upload without one gets), a Content-Encoding it does not have, or a
   * Content-Disposition of its own.
   */
  'sentinel-metadata': ['as-uploaded', 'default-type', 'gzip-encoding', 'disposition'],
  /** Who may read it: `deny` is a bucket policy Deny s3:GetObject for everyone (S3), or a copy with mode 000
   * in its place (disk); `network` lets anonymous requests read every object from the proxy's network path (S3:
   * a bucket policy Allow for Principal "*" on loopback addresses, the stack an unsigned internal location
   * needs; moto does not check the condition), and is the same as `allow` on disk. */
  'sentinel-access': ['allow', 'deny', 'network'],
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
export const changesOf = (f: Pick<SandboxFaultOf, 'change'>): readonly LeverChange[] =>
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

/** One fault on one variant (`N`: the catalogue's names, `FaultName`). */
export interface SandboxFaultOf<N extends string = string> {
  readonly name: N;
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

export type Specific = Omit<SandboxFaultOf, 'name' | 'variant' | 'sentinel' | 'allLayers'>;

/** The extra sentinels of the sandbox (target `sandbox-NAME`). */
export type SandboxSentinelName = 'unicode' | 'awkward' | 'big';

/** A fault and the variants it exists on, each with what differs there. */
export interface FaultDefinition extends Partial<Specific> {
  readonly name: string;
  readonly sentinel?: SandboxSentinelName;
  readonly allLayers?: true;
  readonly on: { readonly [V in Variant]?: Partial<Specific> };
}

export const DISK_STORAGE_OK = { app: 'ok', storage: 'ok', proxy: 'ok' } as const;
