/**
 * Maps low-level errors (Node, undici, the AWS SDK, the filesystem) to failure kinds. Pure: the probes catch
 * errors and call these, so the mapping can be read and tested as a table.
 */
import type { FailureKind } from '../contract/names.ts';

/** The parts of a network error that matter. Node and undici errors carry a `code`; DOMExceptions a `name`. */
export interface NetworkErrorLike {
  code?: string | undefined;
  name?: string | undefined;
  message?: string | undefined;
}

const NETWORK_CODES: Readonly<Record<string, FailureKind>> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  ECONNREFUSED: 'connect-refused',
  EHOSTUNREACH: 'connect-failed',
  ENETUNREACH: 'connect-failed',
  EADDRNOTAVAIL: 'connect-failed',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'truncated',
  ERR_STREAM_PREMATURE_CLOSE: 'truncated',
  // The server's answer could not be parsed (llhttp's HPE_* codes are matched by prefix below), or its headers
  // are larger than a browser accepts.
  UND_ERR_HEADERS_OVERFLOW: 'bad-response',
  UND_ERR_INVALID_ARG: 'invalid-request',
  ERR_INVALID_URL: 'invalid-request',
  ERR_INVALID_ARG_TYPE: 'invalid-request',
  ERR_INVALID_ARG_VALUE: 'invalid-request',
  ERR_INVALID_HTTP_TOKEN: 'invalid-request',
  ERR_INVALID_CHAR: 'invalid-request',
};

/** Certificate verification codes from OpenSSL (they carry no common prefix). */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
]);

function isTlsCode(code: string): boolean {
  return (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    // EPROTO: the TLS layer failed below the certificate check (for example, https spoken to an http port).
    code === 'EPROTO'
  );
}

/**
 * The failure kind of an HTTP exchange that threw. `TimeoutError` is what `AbortSignal.timeout` raises when the
 * total deadline fires; `AbortError` is the same deadline seen through a stream that was destroyed by it.
 */
export function classifyNetworkError(err: NetworkErrorLike): FailureKind {
  // DOMExceptions carry a numeric `code`: only string codes are Node's.
  const code = typeof err.code === 'string' ? err.code : '';
  const byCode = NETWORK_CODES[code];
  if (byCode) return byCode;
  if (code.startsWith('HPE_') || err.name === 'HTTPParserError') return 'bad-response';
  if (code && isTlsCode(code)) return 'tls';
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'ABORT_ERR') return 'timeout';
  if (/premature close/i.test(err.message ?? '')) return 'truncated';
  return 'connect-failed';
}

/** The parts of an AWS SDK v3 error that matter. The SDK sets `name` to the S3 error code when there is one. */
export interface S3ErrorLike {
  name?: string | undefined;
  Code?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
  $metadata?: { httpStatusCode?: number | undefined } | undefined;
}

/**
 * Errors of the monitor's own credentials (none found, expired, unknown to AWS, a wrong secret) or signing (for
 * another region, with another signature version, with a clock that is off), by the codes AWS services and the
 * SDK give them: never a layer's fault, whichever service answered.
 */
const MONITOR_CODES: Readonly<Record<string, FailureKind>> = {
  CredentialsProviderError: 'monitor-credentials',
  ExpiredToken: 'monitor-credentials',
  ExpiredTokenException: 'monitor-credentials',
  TokenRefreshRequired: 'monitor-credentials',
  InvalidToken: 'monitor-credentials',
  InvalidAccessKeyId: 'monitor-credentials',
  InvalidClientTokenId: 'monitor-credentials',
  UnrecognizedClientException: 'monitor-credentials',
  SignatureDoesNotMatch: 'monitor-credentials',
  AuthorizationHeaderMalformed: 'monitor-signing',
  PermanentRedirect: 'monitor-signing',
  RequestTimeTooSkewed: 'monitor-signing',
  InvalidSignatureException: 'monitor-signing',
};

/** The monitor-side kind of an AWS SDK error (any service: S3, Secrets Manager, SSM), if it is one. */
export function monitorSideKind(err: S3ErrorLike): FailureKind | undefined {
  for (const c of [err.Code, err.name, typeof err.code === 'string' ? err.code : undefined]) {
    const kind = typeof c === 'string' ? MONITOR_CODES[c] : undefined;
    if (kind) return kind;
  }
  return undefined;
}

const S3_CODES: Readonly<Record<string, FailureKind>> = {
  ...MONITOR_CODES,
  AccessDenied: 's3-access-denied',
  Forbidden: 's3-access-denied',
  AllAccessDisabled: 's3-access-denied',
  NoSuchKey: 's3-no-such-key',
  NoSuchBucket: 's3-no-such-bucket',
  SlowDown: 's3-throttled',
  Throttling: 's3-throttled',
  ThrottlingException: 's3-throttled',
  RequestLimitExceeded: 's3-throttled',
  TooManyRequestsException: 's3-throttled',
};

/** Errors that mean the request never got an S3 answer. */
const S3_NETWORK_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'NetworkingError']);

/**
 * The failure kind of an S3 call that threw. The error code wins; without one (moto's 403 has an empty body,
 * as does the answer to a HEAD), the HTTP status decides. Errors of the monitor's own credentials or signing
 * (`monitor-*`) are kinds of their own: they say nothing about storage.
 */
export function classifyS3Error(err: S3ErrorLike): FailureKind {
  const code = typeof err.code === 'string' ? err.code : undefined;
  for (const c of [err.Code, err.name, code]) {
    const kind = typeof c === 'string' ? S3_CODES[c] : undefined;
    if (kind) return kind;
  }
  switch (err.$metadata?.httpStatusCode) {
    case 301:
      // A redirect without a code (the answer to a HEAD): the monitor addresses the bucket in the wrong region.
      return 'monitor-signing';
    case 403:
      return 's3-access-denied';
    case 404:
      // A GetObject 404 names the key unless the code says NoSuchBucket (handled above).
      return 's3-no-such-key';
    case 429:
    case 503:
      return 's3-throttled';
  }
  if (S3_NETWORK_NAMES.has(err.name ?? '') || code === 'ABORT_ERR') return 's3-unreachable';
  const netKind = code ? NETWORK_CODES[code] : undefined;
  if (netKind && netKind !== 'invalid-request' && netKind !== 'truncated') return 's3-unreachable';
  if (code && isTlsCode(code)) return 's3-unreachable';
  return 's3-error';
}

/** The failure kind of a filesystem read that threw, from its `code` (ENOENT, EACCES, ...). */
export function classifyFsError(code: string | undefined): FailureKind {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'fs-not-found';
    case 'EACCES':
    case 'EPERM':
      return 'fs-access-denied';
    default:
      return 'fs-error';
  }
}
