/**
 * What `init` infers from the stack it read (cli/config-template.ts, pure): how the proxy reads the bucket, from the
 * app's offload value (signed or not) and an anonymous read of the object from where init runs.
 */
import { describe, expect, it } from 'vitest';
import { inferProxyAuth } from '../../cli/config-template.ts';
import type { AnonymousRead } from '../../cli/sentinel.ts';

describe('inferProxyAuth', () => {
  it.each<[string, boolean, AnonymousRead | undefined, string, string]>([
    ['a signed URL', true, undefined, 'presigned', 'the app signs its X-Accel-Redirect URL'],
    // A signed URL settles it: what an anonymous read would get does not matter.
    ['a signed URL, the object readable', true, { readable: true }, 'presigned', 'a private bucket'],
    [
      'an unsigned URL, S3 refusing us',
      false,
      { readable: false },
      'network',
      "only the proxy's network path",
    ],
    [
      'an unsigned URL, S3 serving us',
      false,
      { readable: true },
      'public',
      'readable by anyone, or by a network',
    ],
    [
      'an unsigned URL, S3 unreachable from here',
      false,
      { readable: undefined, detail: 'the connection was refused' },
      'public',
      'an anonymous read from here: the connection was refused',
    ],
  ])('%s: %s', (_, signed, anonymous, proxyAuth, why) => {
    const inferred = inferProxyAuth(signed, anonymous);
    expect(inferred.proxyAuth).toBe(proxyAuth);
    expect(inferred.why).toContain(why);
  });
});
