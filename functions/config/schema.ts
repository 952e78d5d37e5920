/**
 * The config schema: the single source of truth for targets, for both `download-doctor.config.ts`
 * (with defineConfig) and plain JSON. Pure: no I/O, no process.env.
 */
// zod/mini: the same validation as zod's, built from functions rather than methods, so that a bundle carries only
// what it uses and builds schemas faster (about 20 ms less of each Lambda cold start). A namespace import, for the
// same reason.
import * as z from 'zod/mini';
import { formatPath } from '../contract/field-path.ts';
import { OFFLOAD_HEADERS } from '../contract/names.ts';
import { parseDuration } from './duration.ts';
import { locationIssues } from './locations.ts';
import {
  consensusSchema,
  locationSchema,
  privateLocationsSchema,
  targetConsensusSchema,
} from './locations-schema.ts';
import { maintenanceWindowSchema } from './maintenance.ts';
import { DEFAULT_SCHEDULE } from './schedule.ts';

const slug = z
  .string()
  .check(
    z.regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be a short slug: 2-32 characters, a-z, 0-9 and "-"'),
  );

/**
 * How the proxy reads S3 objects (storage.proxyAuth): with the app's signature, or anonymously, allowed to its
 * network path only or to anyone.
 */
export const PROXY_AUTH = ['presigned', 'network', 'public'] as const;
export type ProxyAuth = (typeof PROXY_AUTH)[number];

const nonEmpty = z.string().check(z.minLength(1));
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters (sha256)'));
const positiveMs = z.int().check(z.positive(), z.maximum(900_000));

const regexSource = z.string().check(
  z.refine((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid regular expression'),
);

/**
 * A request header value: a literal, or a reference to a secret. Locally, `env` is read from the environment;
 * on AWS, `secretsManager` and `ssm` are read at run time. A secret's value is never printed.
 */
export const headerValueSchema = z.union([
  z.string(),
  z.strictObject({
    env: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')),
  }),
  z.strictObject({ secretsManager: nonEmpty, jsonKey: z.optional(z.string()) }),
  z.strictObject({ ssm: nonEmpty }),
]);
export type HeaderValue = z.infer<typeof headerValueSchema>;

const tlsSchema = z.strictObject({
  /** Path to a PEM CA bundle that replaces the system roots. */
  caFile: z.optional(nonEmpty),
  /** SNI and certificate name to verify, when it differs from the URL's host. */
  serverName: z.optional(nonEmpty),
});

/** Options shared by every HTTP check. */
const httpCheck = {
  url: httpUrl,
  /** Host header to send instead of the URL's host. */
  host: z.optional(nonEmpty),
  headers: z.optional(
    z.record(z.string().check(z.regex(/^[A-Za-z0-9-]+$/, 'must be a header name')), headerValueSchema),
  ),
  tls: z.optional(tlsSchema),
  /** Connect to this address ("host:port" or "ip") instead of the URL's host, keeping the URL's Host and SNI:
   * checks one proxy behind a load balancer. */
  connectTo: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
          'must be "host", "host:port" or "[ipv6]:port"',
        ),
      ),
  ),
  /** Add this query parameter with a unique value to every request, to get past a CDN's cache. */
  cacheBust: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]+$/, 'must be a query parameter name'))),
  /** Deadline of the whole check (connect, headers and body). */
  timeoutMs: z._default(positiveMs, 10_000),
  /** Deadline of the TCP (and TLS) connection. Defaults to the smaller of 5 s and timeoutMs. */
  connectTimeoutMs: z.optional(positiveMs),
  /** Slower than this, a passing check is degraded rather than healthy. */
  degradedMs: z.optional(positiveMs),
};

/** Deadline rules shared by every check's options: degraded below the deadline, connect within it. */
function deadlineRules<
  T extends { timeoutMs: number; degradedMs?: number | undefined; connectTimeoutMs?: number | undefined },
>(c: T, ctx: z.core.$RefinementCtx<T>): void {
  if (c.degradedMs !== undefined && c.degradedMs >= c.timeoutMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['degradedMs'],
      input: c.degradedMs,
      message: `must be smaller than timeoutMs (${c.timeoutMs})`,
    });
  }
  if (c.connectTimeoutMs !== undefined && c.connectTimeoutMs > c.timeoutMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['connectTimeoutMs'],
      input: c.connectTimeoutMs,
      message: `must not exceed timeoutMs (${c.timeoutMs})`,
    });
  }
}

const s3Storage = z
  .strictObject({
    type: z.literal('s3'),
    bucket: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
    key: nonEmpty,
    region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')),
    /** A custom endpoint (S3-compatible storage, a VPC endpoint, or moto in the sandbox). */
    endpoint: z.optional(httpUrl),
    forcePathStyle: z.optional(z.boolean()),
    /**
     * How the proxy is allowed to read the objects. `presigned` (the default): the bucket is private, the app
     * hands the proxy a signed URL (django-storages' query-string auth), and the proxy check signs its own
     * request with the monitor's credentials. `network`: every URL is unsigned, and the bucket lets the proxy's
     * network path read anonymously, and no one else (a bucket policy on `aws:SourceVpce` or `aws:SourceIp`).
     * `public`: every URL is unsigned and the objects are readable by anyone: anyone who knows a key can read it
     * from S3 directly, around the app.
     */
    proxyAuth: z._default(z.enum(PROXY_AUTH), 'presigned'),
    /**
     * A role the storage check assumes to read the sentinel: a bucket in another account, or the proxy's own
     * principal, so that a permission the proxy lacks is seen by the check too. On AWS the storage function may
     * assume exactly this role (and gets no S3 rights of its own for this target).
     */
    roleArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
            'must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)',
          ),
        ),
    ),
    /** The KMS key of the bucket's SSE-KMS encryption, if any: on AWS, the storage check may decrypt with it only. */
    kmsKeyArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
            'must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)',
          ),
        ),
    ),
    timeoutMs: z._default(positiveMs, 10_000),
    degradedMs: z.optional(positiveMs),
  })
  .check(z.superRefine(deadlineRules));

const fsStorage = z
  .strictObject({
    type: z.literal('filesystem'),
    path: z.string().check(z.startsWith('/', 'must be an absolute path')),
    /**
     * Read the file as this user (a name in /etc/passwd), as the web server would: a check run as root reads
     * any file, and would miss a permission fault. Needs download-doctor to run as root.
     */
    readAs: z.optional(
      z.string().check(z.regex(/^[a-z_][a-z0-9_.-]*$/i, 'must be a user name such as www-data')),
    ),
    timeoutMs: z._default(positiveMs, 10_000),
    degradedMs: z.optional(positiveMs),
  })
  .check(z.superRefine(deadlineRules));

/** What a sentinel must look like. */
const sentinelSchema = z.strictObject({
  sha256,
  size: z.int().check(z.nonnegative()),
  contentType: z.optional(nonEmpty),
  /** The file name the app and end-to-end responses must carry in Content-Disposition (non-ASCII welcome). */
  fileName: z.optional(nonEmpty),
  /** The Cache-Control the download must carry (and the object's metadata, on S3), when it matters. */
  cacheControl: z.optional(nonEmpty),
});

/**
 * What a browser sends as Accept-Encoding (Chrome's): the download is requested so, and its bytes are checked
 * after decoding, so that compression switched on for the route is seen rather than hidden.
 */
export const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

/** The exact offload header value expected, or a regular expression it must match. */
const offloadValue = z.union([nonEmpty, z.strictObject({ pattern: regexSource })]);

/**
 * Another sentinel on the same stack, such as one with a non-ASCII name. It is checked as a target of its own,
 * named `TARGET-NAME`, with the target's settings and these differences.
 */
const extraSentinelSchema = z.strictObject({
  name: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9-]{0,14}$/, 'must be a short slug: 1-15 characters, a-z, 0-9 and "-"')),
  sentinel: sentinelSchema,
  /** The file: its S3 key, or its absolute path on disk (as the target's storage). */
  file: nonEmpty,
  /** The value of the app's offload header for this file. */
  offload: offloadValue,
  /** This sentinel's routes. Default: the target's app, end-to-end and proxy URLs followed by `NAME/`. */
  urls: z.optional(z.partial(z.strictObject({ app: httpUrl, endToEnd: httpUrl, proxy: httpUrl }))),
  /**
   * The deadline of each of this sentinel's checks, instead of the target's: a big sentinel (past the proxy's
   * temp-file limit, 1 GiB with nginx) needs longer. At least each of the target's own.
   */
  timeoutMs: z.optional(positiveMs),
  /**
   * This sentinel runs on a schedule of its own (a big one, less often): `run` without --target leaves it out, and
   * the construct needs its schedule (`schedules`).
   */
  ownSchedule: z.optional(z.boolean()),
});

/** How often a target runs when its config does not say (./schedule.ts, which plans runs without this schema). */
export { DEFAULT_SCHEDULE };

/** The shortest and longest schedules `serve` accepts (on AWS, EventBridge Scheduler needs whole minutes). */
const SCHEDULE_LIMITS_MS = { min: 1_000, max: 86_400_000 } as const;

/** How long a run waits before it checks the failing stage-1 checks again (see `confirmDelayMs`). */
export const DEFAULT_CONFIRM_DELAY_MS = 2_000;

export const targetSchema = z.strictObject({
  /** Short slug: it ends up in metric dimensions and alarm names. */
  name: slug,
  description: z.optional(z.string()),
  /** What on-call should read when this target pages: in the page, and in the alarms' descriptions on AWS. */
  runbookUrl: z.optional(httpUrl),
  /**
   * How often the target runs, such as `30s`, `5m` or `1h` (`serve`, and the construct unless its `schedules`
   * prop names the target; on AWS, whole minutes). Absent: DEFAULT_SCHEDULE, or the construct's defaultSchedule.
   */
  schedule: z.optional(
    z.string().check(
      z.refine((s) => {
        const ms = parseDuration(s);
        return ms !== undefined && ms >= SCHEDULE_LIMITS_MS.min && ms <= SCHEDULE_LIMITS_MS.max;
      }, 'must be a duration from 1s to 24h, such as 30s, 5m or 1h'),
    ),
  ),
  /**
   * When stage 1 is not healthy, the run waits this long and checks the failing stage-1 checks once more before
   * the diagnostics: a run that passes then is healthy, and says it flapped. The wait happens in the check itself
   * (a Step Functions Wait state could not read a per-target value), so any whole number of milliseconds works;
   * 0 checks again at once. On AWS, it counts against each stage-1 check's Lambda timeout.
   */
  confirmDelayMs: z._default(z.int().check(z.nonnegative(), z.maximum(60_000)), DEFAULT_CONFIRM_DELAY_MS),
  /** Maintenance windows: runs go on, reported as in maintenance; pages and recovery notices are not sent. */
  maintenance: z.optional(z.array(maintenanceWindowSchema)),
  /** The dummy file every check fetches, and what it must look like. */
  sentinel: sentinelSchema,
  /** More sentinels on the same stack (see extraSentinelSchema). */
  sentinels: z.optional(z.array(extraSentinelSchema)),
  /** Where the sentinel is stored, for the storage check (a diagnostic): without it, a failure's verdict names no
   * layer below the proxy (`unknown`). */
  storage: z.optional(z.discriminatedUnion('type', [s3Storage, fsStorage])),
  app: z
    .strictObject({
      ...httpCheck,
      offload: z.strictObject({
        header: z.enum(OFFLOAD_HEADERS),
        /** The exact value expected, or a regular expression it must match. */
        value: offloadValue,
      }),
    })
    .check(z.superRefine(deadlineRules)),
  /** A proxy location serving the sentinel straight from storage, for the proxy check (a diagnostic). */
  proxy: z.optional(z.strictObject(httpCheck).check(z.superRefine(deadlineRules))),
  endToEnd: z
    .strictObject({
      ...httpCheck,
      /** The internal location's public URL: a request from outside must be refused (negative probe). */
      internalUrl: z.optional(httpUrl),
      /** Also request `Range: bytes=0-9` and expect 206 with the first 10 bytes. */
      rangeProbe: z._default(z.boolean(), false),
      /** Also send a HEAD (through the proxy, and to the app): it must answer as GET does. */
      headProbe: z._default(z.boolean(), true),
      /**
       * Also send a conditional GET with the validators the download gave (If-None-Match, If-Modified-Since): a
       * 304 must carry no body and no offload header, a 200 the whole sentinel.
       */
      conditionalProbe: z._default(z.boolean(), true),
      /** The download's Accept-Encoding (a browser's by default); `false` sends none. The body is decoded first. */
      acceptEncoding: z._default(z.union([nonEmpty, z.literal(false)]), BROWSER_ACCEPT_ENCODING),
    })
    .check(z.superRefine(deadlineRules)),
  /**
   * Every N-th run is a full run: all four checks whatever stage 1 says, so that the storage and proxy checks'
   * own settings are proven before an incident needs them (a failure then is a monitor warning, not a page).
   */
  fullRunEvery: z.optional(z.int().check(z.minimum(1), z.maximum(10_000))),
  /** This target's consensus rule (K of the locations), overriding the config's `consensus`. */
  consensus: z.optional(targetConsensusSchema),
  /**
   * Locations besides the home that reach this target's private network: they run the app, storage and proxy
   * checks too. Every other location runs the end-to-end check only.
   */
  privateLocations: z.optional(privateLocationsSchema),
});

type TargetAsWritten = z.output<typeof targetSchema>;
/**
 * A target as the checks see it: one sentinel. `stack` names the target an extra sentinel comes from;
 * `ownSchedule`, that the sentinel runs on a schedule of its own.
 */
export type Target = Omit<TargetAsWritten, 'sentinels'> & { stack?: string; ownSchedule?: boolean };

/** The target, then one target per extra sentinel: `TARGET-NAME`, its file, offload value and routes. */
function expandSentinels(written: TargetAsWritten): Target[] {
  const { sentinels = [], ...base } = written;
  const { internalUrl: _internal, ...endToEnd } = base.endToEnd; // the internal location is the stack's: probed once
  const below = (url: string, name: string) => new URL(`${name}/`, url.endsWith('/') ? url : `${url}/`).href;
  return [
    base,
    ...sentinels.map((s): Target => {
      // A deadline of its own replaces each check's (the connect deadline stays).
      const deadline = s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs };
      return {
        ...base,
        name: `${base.name}-${s.name}`,
        stack: base.name,
        description: `${base.description ?? base.name} (sentinel ${s.name})`,
        sentinel: s.sentinel,
        ...(s.ownSchedule ? { ownSchedule: true } : {}),
        storage:
          base.storage?.type === 's3'
            ? { ...base.storage, key: s.file, ...deadline }
            : base.storage && { ...base.storage, path: s.file, ...deadline },
        app: {
          ...base.app,
          ...deadline,
          url: s.urls?.app ?? below(base.app.url, s.name),
          offload: { ...base.app.offload, value: s.offload },
        },
        proxy: base.proxy && {
          ...base.proxy,
          ...deadline,
          url: s.urls?.proxy ?? below(base.proxy.url, s.name),
        },
        endToEnd: { ...endToEnd, ...deadline, url: s.urls?.endToEnd ?? below(base.endToEnd.url, s.name) },
      };
    }),
  ];
}

const configObject = z
  .strictObject({
    $schema: z.optional(z.string()),
    /**
     * Where the checks run from (functions/config/locations.ts): the home (the first, unless one says `home: true`)
     * runs every check, decides and pages; the others run the end-to-end check and send their results to it.
     * Without it, the monitor is one location, the home.
     */
    locations: z.optional(z.array(locationSchema).check(z.minLength(1, 'must list at least one location'))),
    /** The consensus rule for every target: how many locations must confirm a failure, how long the home waits. */
    consensus: z.optional(consensusSchema),
    targets: z.array(targetSchema).check(z.minLength(1, 'must list at least one target')),
  })
  .check(
    z.superRefine((c, ctx) => {
      for (const issue of locationIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
      // Every name the checks will run under, extra sentinels' included, is unique and a slug.
      const seen = new Map<string, string>();
      // A target's own name is checked by its field; a sentinel's makes a name of two, which may not be a slug.
      const claim = (name: string, path: (string | number)[], composed = false) => {
        const first = seen.get(name);
        const message = first
          ? `duplicates ${first}`
          : composed && !slug.safeParse(name).success
            ? `makes the target name "${name}", which ${name.length > 32 ? 'is longer than 32 characters' : 'is not a short slug (a-z, 0-9 and "-", ending in a letter or digit)'}`
            : undefined;
        if (message)
          ctx.addIssue({ code: 'custom', path, input: path.at(-1) === 'name' ? name : undefined, message });
        if (!first) seen.set(name, formatPath(path));
      };
      c.targets.forEach((t, i) => {
        claim(t.name, ['targets', i, 'name']);
        t.sentinels?.forEach((s, j) => {
          claim(`${t.name}-${s.name}`, ['targets', i, 'sentinels', j, 'name'], true);
          const shorter = (['app', 'endToEnd', 'proxy', 'storage'] as const).filter(
            (check) => s.timeoutMs !== undefined && (t[check]?.timeoutMs ?? 0) > s.timeoutMs,
          );
          if (shorter.length > 0) {
            ctx.addIssue({
              code: 'custom',
              path: ['targets', i, 'sentinels', j, 'timeoutMs'],
              input: s.timeoutMs,
              message: `must be at least the target's own deadline (${shorter.map((c) => `${c}.timeoutMs`).join(', ')}): it is for a bigger file`,
            });
          }
          if (t.storage?.type === 'filesystem' && !s.file.startsWith('/')) {
            ctx.addIssue({
              code: 'custom',
              path: ['targets', i, 'sentinels', j, 'file'],
              input: s.file,
              message: 'must be an absolute path (the target stores its sentinel on disk)',
            });
          }
        });
      });
    }),
  );

export const configSchema = z.pipe(
  configObject,
  z.transform((c: z.output<typeof configObject>) => ({ ...c, targets: c.targets.flatMap(expandSentinels) })),
);

/** A config as written (defaults not yet applied). */
export type ConfigInput = z.input<typeof configSchema>;
/** A validated config, defaults applied. */
export type Config = z.output<typeof configSchema>;
export type HttpCheckConfig = Target['app'] | NonNullable<Target['proxy']> | Target['endToEnd'];
export type StorageConfig = NonNullable<Target['storage']>;
export type S3StorageConfig = Extract<StorageConfig, { type: 's3' }>;

/** Typed helper for `download-doctor.config.ts`. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}

/** The JSON Schema of a config file (for editors, with `"$schema"` in a JSON config). Generated from the schema. */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
