/**
 * The types the checks, the rules and the outputs share. The wire types (CheckResult, Verdict, Report and their
 * parts) are inferred from the schemas of functions/contract/wire.ts, the one contract; the probes' observations
 * never cross a boundary and stay plain types here.
 */
import type { FailureKind } from './names.ts';
import type { CheckResult, Timings } from './wire.ts';

export type {
  Agreement,
  CheckResult,
  Condition,
  Confirmation,
  Evidence,
  LocationOutcome,
  LocationResult,
  LocationSeen,
  Maintenance,
  Probe,
  Report,
  Timings,
  Verdict,
  Where,
} from './wire.ts';

/** What an HTTP probe saw. Produced by functions/probes, judged by functions/checks (one file per check). */
export type HttpObservation =
  | {
      reached: true;
      status: number;
      /** The response headers, lower-case names; a repeated header's values joined with ", " (as clients do). */
      headers: Record<string, string>;
      /** The response headers as they came, in order, lower-case names: repeated headers stay apart. */
      rawHeaders?: [string, string][];
      /**
       * Bytes read from the body (all of it, or only the first chunk when the body was only peeked at), after
       * decoding when the request asked for an encoding and the answer had one.
       */
      bytes: number;
      /** Bytes as they came over the wire, when the body was decoded. */
      wireBytes?: number;
      /** sha256 of the whole body (decoded); absent when the body was only peeked at. */
      sha256?: string;
      /** sha256 of the body's first `headBytes` bytes, when the request asked for it. */
      headSha256?: string;
      /** The body ended before Content-Length. */
      truncated: boolean;
      /** HTTPS: when the server's certificate expires (ISO 8601), as the handshake saw it. */
      certificateNotAfter?: string;
      /** The body grew past the request's `maxBytes`: reading stopped there (`bytes` and `sha256` cover the part read). */
      overflow?: boolean;
      /** Why the body could not be decoded as its Content-Encoding says. */
      decodeError?: string;
      /** The first bytes of the body (at most BODY_HEAD_BYTES) of an answer that is not 2xx: an error document. */
      bodyHead?: string;
      timings: Timings;
    }
  | { reached: false; kind: FailureKind; error: string; timings: Timings };

/** Most of an error document worth keeping: S3's XML errors fit. */
export const BODY_HEAD_BYTES = 2048;

export type StorageObservation =
  | {
      reached: true;
      bytes: number;
      sha256: string;
      /** The file grew past the request's `maxBytes`: reading stopped there. */
      overflow?: boolean;
      /**
       * What clients will get besides the bytes, lower-case header names: the object's metadata (S3) and its
       * validators (`etag`, `last-modified`), or what a type map says of the file's name (disk, `metadataSource`
       * "type-map": a guess of the front server's).
       */
      metadata?: Record<string, string>;
      metadataSource?: 'object' | 'type-map';
      timings: Timings;
    }
  | { reached: false; kind: FailureKind; error: string; timings: Timings };

/** The results of one run, by workflow stage. Stage 2 is absent when stage 1 was healthy. */
export interface StageResults {
  stage1: [CheckResult, CheckResult]; // [end-to-end, app]
  stage2?: [CheckResult, CheckResult]; // [storage, proxy]
}
