/** The error → failure kind tables, checked row by row. Plain data: no network, no SDK. */
import { describe, expect, it } from 'vitest';
import type { FailureKind } from '../../functions/contract/names.ts';
import {
  classifyFsError,
  classifyNetworkError,
  classifyS3Error,
  type NetworkErrorLike,
  type S3ErrorLike,
} from '../../functions/probes/classify.ts';

const network: [string, NetworkErrorLike, FailureKind][] = [
  ['name does not resolve', { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x.test' }, 'dns'],
  ['resolver unavailable', { code: 'EAI_AGAIN' }, 'dns'],
  ['refused', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' }, 'connect-refused'],
  ['host unreachable', { code: 'EHOSTUNREACH' }, 'connect-failed'],
  ['network unreachable', { code: 'ENETUNREACH' }, 'connect-failed'],
  ['address not available', { code: 'EADDRNOTAVAIL' }, 'connect-failed'],
  ['undici connect timeout', { code: 'UND_ERR_CONNECT_TIMEOUT', name: 'ConnectTimeoutError' }, 'timeout'],
  ['undici headers timeout', { code: 'UND_ERR_HEADERS_TIMEOUT', name: 'HeadersTimeoutError' }, 'timeout'],
  ['undici body timeout', { code: 'UND_ERR_BODY_TIMEOUT', name: 'BodyTimeoutError' }, 'timeout'],
  ['total deadline (AbortSignal.timeout)', { name: 'TimeoutError', message: 'due to timeout' }, 'timeout'],
  ['total deadline seen through a stream', { name: 'AbortError', code: 'ABORT_ERR' }, 'timeout'],
  ['reset', { code: 'ECONNRESET', message: 'read ECONNRESET' }, 'reset'],
  ['broken pipe', { code: 'EPIPE' }, 'reset'],
  ['undici: other side closed', { code: 'UND_ERR_SOCKET', name: 'SocketError' }, 'reset'],
  ['undici: client closed', { code: 'UND_ERR_CLOSED' }, 'reset'],
  ['self-signed leaf', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'tls'],
  ['self-signed in chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'tls'],
  ['unknown issuer', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'tls'],
  ['name mismatch', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'tls'],
  ['expired', { code: 'CERT_HAS_EXPIRED' }, 'tls'],
  ['https to an http port', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'tls'],
  ['TLS protocol error', { code: 'EPROTO' }, 'tls'],
  ['content-length mismatch', { code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' }, 'truncated'],
  ['premature close (code)', { code: 'ERR_STREAM_PREMATURE_CLOSE' }, 'truncated'],
  ['premature close (message only)', { message: 'Premature close' }, 'truncated'],
  ['undici invalid argument', { code: 'UND_ERR_INVALID_ARG' }, 'invalid-request'],
  // The server answered, badly: not the network's fault, and not "could not connect".
  ['invalid status line', { code: 'HPE_INVALID_CONSTANT', name: 'HTTPParserError' }, 'bad-response'],
  ['invalid header token', { code: 'HPE_INVALID_HEADER_TOKEN' }, 'bad-response'],
  [
    'parser error without a code (undici 8)',
    { name: 'HTTPParserError', message: 'Invalid header token' },
    'bad-response',
  ],
  ['headers too large', { code: 'UND_ERR_HEADERS_OVERFLOW', name: 'HeadersOverflowError' }, 'bad-response'],
  ['bad URL', { code: 'ERR_INVALID_URL', name: 'TypeError' }, 'invalid-request'],
  ['unknown code', { code: 'ESOMETHING' }, 'connect-failed'],
  ['nothing at all', {}, 'connect-failed'],
];

const s3: [string, S3ErrorLike, FailureKind][] = [
  ['AccessDenied code', { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 's3-access-denied'],
  ['Forbidden code', { Code: 'Forbidden' }, 's3-access-denied'],
  ["moto's empty 403", { name: 'Unknown', $metadata: { httpStatusCode: 403 } }, 's3-access-denied'],
  ['NoSuchKey', { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }, 's3-no-such-key'],
  [
    '404 without a code (the key)',
    { name: 'NotFound', $metadata: { httpStatusCode: 404 } },
    's3-no-such-key',
  ],
  [
    'NoSuchBucket despite 404',
    { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } },
    's3-no-such-bucket',
  ],
  ['SlowDown', { Code: 'SlowDown', $metadata: { httpStatusCode: 503 } }, 's3-throttled'],
  ['Throttling', { name: 'Throttling' }, 's3-throttled'],
  ['ThrottlingException', { name: 'ThrottlingException' }, 's3-throttled'],
  ['503 without a code', { name: 'Unknown', $metadata: { httpStatusCode: 503 } }, 's3-throttled'],
  ['refused', { name: 'Error', code: 'ECONNREFUSED' }, 's3-unreachable'],
  ['name does not resolve', { code: 'ENOTFOUND' }, 's3-unreachable'],
  ['connect timeout', { name: 'TimeoutError' }, 's3-unreachable'],
  ['aborted by the deadline', { name: 'AbortError' }, 's3-unreachable'],
  ['socket timeout', { code: 'ETIMEDOUT' }, 's3-unreachable'],
  ['reset', { code: 'ECONNRESET' }, 's3-unreachable'],
  // The monitor's own credentials or signing: never storage's fault.
  [
    'no credentials at all',
    { name: 'CredentialsProviderError', message: 'Could not load credentials from any providers' },
    'monitor-credentials',
  ],
  [
    'expired session token',
    { name: 'ExpiredToken', $metadata: { httpStatusCode: 400 } },
    'monitor-credentials',
  ],
  [
    'unknown access key',
    { name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } },
    'monitor-credentials',
  ],
  [
    'wrong secret key',
    { Code: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } },
    'monitor-credentials',
  ],
  [
    'signed for another region',
    { name: 'AuthorizationHeaderMalformed', $metadata: { httpStatusCode: 400 } },
    'monitor-signing',
  ],
  ['clock skew', { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } }, 'monitor-signing'],
  [
    'wrong region (301)',
    { name: 'PermanentRedirect', $metadata: { httpStatusCode: 301 } },
    'monitor-signing',
  ],
  ['wrong region, no code', { name: 'Unknown', $metadata: { httpStatusCode: 301 } }, 'monitor-signing'],
  ['500', { name: 'InternalError', $metadata: { httpStatusCode: 500 } }, 's3-error'],
  ['unknown', { name: 'Error', message: 'something else' }, 's3-error'],
];

const fs: [string | undefined, FailureKind][] = [
  ['ENOENT', 'fs-not-found'],
  ['ENOTDIR', 'fs-not-found'],
  ['EACCES', 'fs-access-denied'],
  ['EPERM', 'fs-access-denied'],
  ['EISDIR', 'fs-error'],
  ['EIO', 'fs-error'],
  [undefined, 'fs-error'],
];

describe('classifyNetworkError', () => {
  it.each(network)('%s → %s', (_case, err, expected) => {
    const kind = classifyNetworkError(err);

    expect(kind).toBe(expected);
  });

  it('ignores a DOMException-style numeric code and uses the name', () => {
    const err = { name: 'TimeoutError', code: 23 } as unknown as NetworkErrorLike;

    expect(classifyNetworkError(err)).toBe('timeout');
  });
});

describe('classifyS3Error', () => {
  it.each(s3)('%s → %s', (_case, err, expected) => {
    const kind = classifyS3Error(err);

    expect(kind).toBe(expected);
  });
});

describe('classifyFsError', () => {
  it.each(fs)('%s → %s', (code, expected) => {
    expect(classifyFsError(code)).toBe(expected);
  });
});
