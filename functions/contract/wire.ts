/**
 * The wire contract: a check's result, the verdict and the report, as zod schemas with the types inferred from
 * them. Everything that receives a report or a result across a boundary (a Lambda handler's event, `invoke`'s
 * execution output, the stored latest report, the HTML page) reads it with `parseWire`, so a malformed one is an
 * error naming its field (`results[1].timings.totalMs: expected number, got string`), not a crash further on.
 *
 * Unknown fields are dropped, not refused: a newer producer may add fields an older reader does not know.
 */
// zod/mini, as the config schema (./config.ts).
import * as z from 'zod/mini';
import { WireFormatError } from './errors.ts';
import { formatPath } from './field-path.ts';
import './zod-messages.ts';
import { FAILURE_KINDS, FAULTS, type FailureKind, LAYERS, STATUSES } from './names.ts';

const KIND_NAMES = Object.keys(FAILURE_KINDS) as [FailureKind, ...FailureKind[]];
const ms = z.number().check(z.nonnegative());

/** Durations in milliseconds. Phases that did not happen (no TLS, reused connection) are absent. */
export const timingsSchema = z.object({
  dnsMs: z.optional(ms),
  connectMs: z.optional(ms),
  tlsMs: z.optional(ms),
  /** From the start to the response headers (HTTP) or to GetObject's answer (S3): the phases above included. */
  firstByteMs: z.optional(ms),
  /** From the first byte to the end of the body. */
  transferMs: z.optional(ms),
  totalMs: ms,
});
export type Timings = z.infer<typeof timingsSchema>;

/** What was expected or observed. Only the fields that apply to a check are set. */
export const evidenceSchema = z.object({
  status: z.optional(z.int()),
  /** Chosen response headers, lower-case names. */
  headers: z.optional(z.record(z.string(), z.string())),
  bytes: z.optional(z.int().check(z.nonnegative())),
  sha256: z.optional(z.string()),
  /** Error code and message when the request failed before a response (ECONNREFUSED, NoSuchKey, ...). */
  error: z.optional(z.string()),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/** The requests of a check that makes more than one (end to end, and the app check's HEAD). */
export const PROBES = ['download', 'head', 'range', 'conditional', 'internal'] as const;
export type Probe = (typeof PROBES)[number];

/** A value a condition compared: text or a number; `null` for a header that was absent. */
const comparedValue = z.nullable(z.union([z.string(), z.number()]));

/**
 * One condition a check evaluated, in the manner of Gatus' `[STATUS] == 200`: for people, what it compares and both
 * values as printed; for the verdict (functions/verdict/), the same facts as data. The rules read only the data
 * fields and `kind` and `pass`, never the printed ones, so that a reworded message cannot change a verdict. The data
 * fields are optional: a condition sets those that apply, and reports written before them still parse.
 */
export const conditionSchema = z.object({
  /** What is compared, as it prints: `[STATUS]`, `[BODY].sha256`, `[X-Accel-Redirect]`. */
  subject: z.string(),
  /** The kind of failure when this condition does not hold. */
  kind: z.enum(KIND_NAMES),
  pass: z.boolean(),
  /** The wanted value, as it prints. */
  expected: z.string(),
  /** The value seen, as it prints. */
  observed: z.string(),
  /**
   * Which request of its check the condition judges, when the check makes more than one: end to end's `download`
   * itself or one of its extra probes (`head`, `range`, `conditional`, `internal`), the app check's `head`. Absent:
   * the check's one request (or no request: storage, a check that could not run).
   */
  probe: z.optional(z.enum(PROBES)),
  /**
   * The response header the condition compares, lower-case (`content-type`, `x-accel-redirect`); on the storage
   * check, the object's metadata key, named as the header S3 answers it with. Set on the storage check only when
   * the metadata is the object's own (S3), not a type map's guess (disk). For two headers of one name with
   * different values, the first such header.
   */
  header: z.optional(z.string()),
  /**
   * The wanted value as a value, not as it prints: the config's Content-Type (`text/plain; charset=utf-8`), the
   * sentinel's size in bytes, the status code.
   */
  expectedValue: z.optional(comparedValue),
  /** The value seen as a value (a header's value as it came, redacted), `null` when the header was absent. */
  observedValue: z.optional(comparedValue),
  /**
   * A status condition of a target whose storage is S3: whether the answer carried any sign of storage (an
   * `x-amz-*` header, or S3's XML error document). `false` on a proxy's error means the proxy made the answer up,
   * or hid storage's. Absent when storage is not S3.
   */
  storageSign: z.optional(z.boolean()),
});
export type Condition = z.infer<typeof conditionSchema>;

/** The first condition that failed: it decides a result's kind and message. */
export function firstFailure(conditions: readonly Condition[]): Condition | undefined {
  return conditions.find((c) => !c.pass);
}

/** The outcome of one check. A failed check is a result, not an exception. */
export const checkResultSchema = z.object({
  layer: z.enum(LAYERS),
  ok: z.boolean(),
  /** Passed, but slower than the configured degraded threshold. Always present (the workflow branches on it). */
  slow: z.boolean(),
  /** The first failed condition's kind; absent when ok. */
  kind: z.optional(z.enum(KIND_NAMES)),
  /** One line for a human: the first failed condition with its observed value filled in. */
  message: z.string(),
  /** What was probed (URL with query and credentials removed, or s3://bucket/key, or a path). */
  target: z.string(),
  expected: evidenceSchema,
  observed: evidenceSchema,
  /**
   * Every condition the check evaluated, in order, passed or not. Absent in reports written before conditions
   * were kept: read as none.
   */
  conditions: z._default(z.array(conditionSchema), []),
  timings: timingsSchema,
  startedAt: z.string(),
  /** What a reader should know beside the conditions (a redirect not followed, where the request went). */
  notes: z.optional(z.array(z.string())),
  /**
   * The server certificate of an HTTPS check: when it expires (ISO 8601) and the whole days left until then,
   * counted from the check's start. Absent for plain HTTP, storage, and a handshake that failed.
   */
  tls: z.optional(z.object({ notAfter: z.string(), daysLeft: z.number() })),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

export const verdictSchema = z.object({
  status: z.enum(STATUSES),
  /** The primary fault; `null` when healthy. */
  fault: z.nullable(z.enum(FAULTS)),
  /** Every layer that failed, the primary first. */
  faults: z.array(z.enum(FAULTS)),
  /** One line for a person paged at night, with the observed values. */
  summary: z.string(),
  /** The name of the rule that matched (see functions/verdict/diagnose.ts). */
  rule: z.string(),
  /** The failed or slow checks' messages, primary first. */
  evidence: z.array(z.string()),
  /**
   * What the run proved wrong in the monitor's own settings (a storage or proxy check that fails while the stack
   * serves, credentials it lacks): for the monitor's owners, never a page. Absent when there is none.
   */
  monitorWarning: z.optional(z.string()),
});
export type Verdict = z.infer<typeof verdictSchema>;

/** The run happened in a maintenance window of its target (functions/config/maintenance.ts). */
export const maintenanceSchema = z.object({
  /** The window's name, or what it covers. */
  window: z.string(),
  /** When this occurrence of the window ends (ISO 8601): pages and recovery notices before then are not sent. */
  until: z.string(),
});
export type Maintenance = z.infer<typeof maintenanceSchema>;

/** Stage 1 was not healthy, so its failing checks ran once more (the confirmation) before the diagnostics. */
export const confirmationSchema = z.object({
  /** The first attempt of each check that ran again; `results` has the confirmation's. */
  firstAttempt: z.array(checkResultSchema),
  /** The confirmation made stage 1 healthy: the run is healthy, but the first attempt was not. */
  flapped: z.boolean(),
});
export type Confirmation = z.infer<typeof confirmationSchema>;

/**
 * What each layer's check reaches, from the target's settings, whether it ran or not: a URL without its query or
 * credentials, `s3://BUCKET/KEY`, or a path. The report's diagram names each box with it.
 */
export const whereSchema = z.object({
  'end-to-end': z.optional(z.string()),
  app: z.optional(z.string()),
  storage: z.optional(z.string()),
  proxy: z.optional(z.string()),
});
export type Where = z.infer<typeof whereSchema>;

/** What one location saw of the target when several locations check it, as the consensus judged it. */
export const LOCATION_OUTCOMES = ['fail', 'slow', 'pass', 'unknown'] as const;
export type LocationOutcome = (typeof LOCATION_OUTCOMES)[number];

/** One location's part in an agreement: its outcome end to end, and the evidence for it. */
export const locationSeenSchema = z.object({
  location: z.string().check(z.minLength(1)),
  /** The home: it ran every check, and its run gives the layer verdict. */
  home: z.boolean(),
  /**
   * `fail`: its end-to-end check failed, and failed again at its confirmation; `slow`: it passed, slower than the
   * degraded threshold; `pass`; `unknown`: no result of this slot came (a location that is late or silent).
   */
  outcome: z.enum(LOCATION_OUTCOMES),
  /** The end-to-end check's failure kind, its one-line message and the error it met (a connect timeout...). */
  kind: z.optional(z.enum(KIND_NAMES)),
  message: z.optional(z.string()),
  error: z.optional(z.string()),
  /** The download's time from this location, and its first byte. */
  totalMs: z.optional(ms),
  firstByteMs: z.optional(ms),
  /** When the location ran every check (the home, a location on the private network): its own verdict. */
  status: z.optional(z.enum(STATUSES)),
  fault: z.optional(z.nullable(z.enum(FAULTS))),
});
export type LocationSeen = z.infer<typeof locationSeenSchema>;

/**
 * The agreement of the locations on one slot of a target (functions/verdict/consensus.ts): which fail, pass or are
 * unknown, and whether the failure is confirmed by K of them. Absent from a report of a single location.
 */
export const agreementSchema = z.object({
  /** K as applied: the consensus rule's, but never more than the locations that answered. */
  quorum: z.int().check(z.positive()),
  /** M: every location of the target. */
  of: z.int().check(z.positive()),
  /** At least K locations confirm the failure: it pages. */
  confirmed: z.boolean(),
  /** The home first. */
  locations: z.array(locationSeenSchema),
  /** One line for a person: who fails, who passes, and what that points to. */
  summary: z.string(),
});
export type Agreement = z.infer<typeof agreementSchema>;

/** The JSON report of one run. */
export const reportSchema = z.object({
  schemaVersion: z.int().check(z.positive()),
  target: z.string().check(z.minLength(1)),
  verdict: verdictSchema,
  /** Stage 1 (after its confirmation, if any), then stage 2 when it ran. */
  results: z.array(checkResultSchema),
  confirmation: z.optional(confirmationSchema),
  maintenance: z.optional(maintenanceSchema),
  where: z.optional(whereSchema),
  /**
   * With several locations: their agreement on this slot. The verdict is then the decision of the consensus (the
   * home's layer verdict when the failure is confirmed), and `results` the home's own checks.
   */
  agreement: z.optional(agreementSchema),
});
export type Report = z.infer<typeof reportSchema>;

/**
 * What a location other than the home sends it for one run of a target (`POST /ingest` to a home `serve`; on AWS,
 * the item of the target's slot in the home's table): its end-to-end check after the confirmation (`results`) and
 * the first attempt (`confirmation`), or, from a location on the target's private network, its whole run with its
 * verdict. The home judges it (functions/verdict/consensus.ts); nothing here is trusted as a verdict of the target.
 */
export const locationResultSchema = z.object({
  location: z.string().check(z.minLength(1), z.maxLength(64)),
  target: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The slot the run stands for (ISO 8601): every location runs a target at the same slots. Absent off schedule. */
  slot: z.optional(z.string()),
  /** When the run started (ISO 8601). */
  at: z.string(),
  results: z.array(checkResultSchema),
  confirmation: z.optional(confirmationSchema),
  /** A whole run's verdict (a location on the private network). */
  verdict: z.optional(verdictSchema),
  /** The run produced no result (the location's monitor failed): the home counts the location as unknown. */
  error: z.optional(z.string()),
});
export type LocationResult = z.infer<typeof locationResultSchema>;

/**
 * What the workflow's Catch puts in place of a check that crashed (infra/workflow.ts): the layer, and the error
 * Step Functions caught. The diagnose handler turns it into a full `check-error` result.
 */
export const caughtCheckSchema = z.object({
  layer: z.enum(LAYERS),
  ok: z.literal(false),
  kind: z.literal('check-error'),
  error: z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) }),
});
export type CaughtCheck = z.infer<typeof caughtCheckSchema>;

/**
 * What the confirmation puts in place of a stage-1 check that passed the first time and so did not run again
 * (infra/workflow.ts): the first attempt stands.
 */
export const keptCheckSchema = z.object({
  kept: z.literal(true),
  ok: z.literal(true),
  slow: z.literal(false),
});

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** One line per issue, naming the field and what was wrong, never the value (it may be anything). */
function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): string[] {
  return issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    if (issue.code === 'invalid_type') {
      const got = 'input' in issue ? typeOf(issue.input) : 'nothing';
      return `${path}: expected ${issue.expected}, got ${got === 'undefined' ? 'nothing' : got}`;
    }
    if (issue.code === 'invalid_value') {
      const values = issue.values.map(String);
      const some =
        values.length > 6
          ? `${values.slice(0, 4).join(', ')}, … (${values.length} values)`
          : values.join(', ');
      return `${path}: expected one of ${some}`;
    }
    return `${path}: ${issue.message}`;
  });
}

/** The problems of `value` against `schema`, with paths under `prefix`; none when it conforms. */
export function wireProblems<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): { ok: true; data: z.output<S> } | { ok: false; problems: string[] } {
  const parsed = schema.safeParse(value, { reportInput: true });
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, problems: describeIssues(parsed.error.issues, prefix) };
}

/**
 * The one parse of the wire contract: `value` read as `schema`, or a WireFormatError that names every bad field
 * (`what` says which boundary: "the report handler's event", "the stored report of prod").
 */
export function parseWire<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.output<S> {
  const out = wireProblems(schema, value);
  if (!out.ok) throw new WireFormatError(what, out.problems);
  return out.data;
}

export const parseReport = (value: unknown, what = 'the report'): Report =>
  parseWire(reportSchema, value, what);
