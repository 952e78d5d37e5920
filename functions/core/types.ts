/**
 * The types the checks, the rules and the outputs share. The wire types (CheckResult, Verdict, Report and their
 * parts) are inferred from the schemas of functions/core/report.ts, the one contract; the probes' observations
 * never cross a boundary and stay plain types here.
 */
import type { FailureKind } from './names.ts';
import type { CheckResult, Timings } from './report.ts';

export type {
  CheckResult,
  Condition,
  Confirmation,
  Evidence,
  Maintenance,
  Report,
  Timings,
  Verdict,
} from './report.ts';

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
      /** HTTPS: when the server's certificate expires (ISO 8601), as the handshake saw it. */
      certificateNotAfter?: string;
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
