import type { FailureKind, Fault, Layer, Status } from './names.ts';

/** Durations in milliseconds. Phases that did not happen (no TLS, reused connection) are absent. */
export interface Timings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
  transferMs?: number;
  totalMs: number;
}

/** What was expected or observed. Only the fields that apply to a check are set. */
export interface Evidence {
  status?: number;
  /** Chosen response headers, lower-case names. */
  headers?: Record<string, string>;
  bytes?: number;
  sha256?: string;
  /** Error code and message when the request failed before a response (ECONNREFUSED, NoSuchKey, ...). */
  error?: string;
}

/** The outcome of one check. A failed check is a result, not an exception. */
export interface CheckResult {
  layer: Layer;
  ok: boolean;
  /** Passed, but slower than the configured degraded threshold. Always present (the workflow branches on it). */
  slow: boolean;
  kind?: FailureKind;
  /** One line for a human, with the observed values filled in. */
  message: string;
  /** What was probed (URL with secrets removed, or s3://bucket/key, or a path). */
  target: string;
  expected: Evidence;
  observed: Evidence;
  timings: Timings;
  startedAt: string;
}

/** What an HTTP probe saw. Produced by functions/probes, judged by functions/core/assess. */
export type HttpObservation =
  | {
      reached: true;
      status: number;
      headers: Record<string, string>;
      /** Bytes read from the body (all of it, or only the first chunk when the body was only peeked at). */
      bytes: number;
      /** sha256 of the whole body; absent when the body was only peeked at. */
      sha256?: string;
      /** sha256 of the body's first `headBytes` bytes, when the request asked for it. */
      headSha256?: string;
      /** The body ended before Content-Length. */
      truncated: boolean;
      timings: Timings;
    }
  | { reached: false; kind: FailureKind; error: string; timings: Timings };

export type StorageObservation =
  | { reached: true; bytes: number; sha256: string; contentType?: string; timings: Timings }
  | { reached: false; kind: FailureKind; error: string; timings: Timings };

/** The results of one run, by workflow stage. Stage 2 is absent when stage 1 was healthy. */
export interface StageResults {
  stage1: [CheckResult, CheckResult]; // [end-to-end, app]
  stage2?: [CheckResult, CheckResult]; // [storage, proxy]
}

export interface Verdict {
  status: Status;
  /** The primary fault; `null` when healthy. */
  fault: Fault | null;
  /** Every layer that failed, the primary first. */
  faults: Fault[];
  /** One line for a person paged at night, with the observed values. */
  summary: string;
  /** The name of the rule that matched (see functions/core/diagnose.ts). */
  rule: string;
  /** The failed or slow checks' messages, primary first. */
  evidence: string[];
}

/** The JSON report of one run. */
export interface Report {
  schemaVersion: number;
  target: string;
  verdict: Verdict;
  results: CheckResult[];
}
