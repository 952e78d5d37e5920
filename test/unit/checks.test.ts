import { describe, expect, it } from 'vitest';
import type { HttpProbeRequest, PresignResult } from '../../functions/checks/probes.ts';
import { runCheck } from '../../functions/checks/run.ts';
import type { Target } from '../../functions/config/schema.ts';
import { MonitorCredentialsError } from '../../functions/contract/errors.ts';
import type { HttpObservation } from '../../functions/contract/types.ts';
import { envResolver } from '../../functions/probes/secrets.ts';
import { targetInput, validTarget } from '../fixtures/config.ts';

const target = validTarget;

/** A probe that records the request and answers 404 (plain data, no network); it signs as `signed` says. */
function recordingProbe(
  signed: PresignResult = { ok: true, query: 'X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0123abcd' },
) {
  const seen: HttpProbeRequest[] = [];
  const http = async (req: HttpProbeRequest): Promise<HttpObservation> => {
    seen.push(req);
    return {
      reached: true,
      status: 404,
      headers: {},
      bytes: 0,
      sha256: 'e'.repeat(64),
      truncated: false,
      timings: { totalMs: 1 },
    };
  };
  return {
    seen,
    probes: {
      http,
      storage: async () => ({
        reached: false as const,
        kind: 'fs-error' as const,
        error: 'x',
        timings: { totalMs: 0 },
      }),
      presign: async () => signed,
    },
  };
}

describe('checks build their requests from the target', () => {
  it('sends the Host, resolved secret headers and a cache-busting parameter; prints no query or secret', async () => {
    const { seen, probes } = recordingProbe();
    const t = target({
      endToEnd: {
        url: 'https://www.example.com/healthcheck-utils/download/?token=abc',
        host: 'www.example.com',
        cacheBust: 'dd',
        headers: { Authorization: { env: 'DD_TOKEN' } },
        connectTo: '127.0.0.1:8443',
        timeoutMs: 3_000,
      },
    });
    const r = await runCheck('end-to-end', t, {
      probes,
      secrets: envResolver({ DD_TOKEN: 'Bearer s3cr3t-value' }),
      nonce: () => 'n1',
    });
    const req = seen[0];
    expect(req?.url).toBe('https://www.example.com/healthcheck-utils/download/?token=abc&dd=n1');
    expect(req?.headers.authorization).toBe('Bearer s3cr3t-value');
    expect(req).toMatchObject({
      host: 'www.example.com',
      connectTo: '127.0.0.1:8443',
      timeoutMs: 3_000,
      connectTimeoutMs: 3_000,
      body: 'hash',
    });
    expect(r.target).toBe('https://www.example.com/healthcheck-utils/download/');
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
  });

  it('reads only headers for the app check', async () => {
    const { seen, probes } = recordingProbe();
    await runCheck('app', target({}), { probes, secrets: envResolver({}) });
    expect(seen[0]?.body).toBe('peek');
  });

  it('makes a missing secret an inconclusive result that names the variable, without probing', async () => {
    const { seen, probes } = recordingProbe();
    const t = target({ proxy: { url: 'http://a/', headers: { 'X-Key': { env: 'DD_MISSING' } } } });
    const r = await runCheck('proxy', t, { probes, secrets: envResolver({}) });
    expect(seen).toHaveLength(0);
    expect(r).toMatchObject({ ok: false, kind: 'secret-missing' });
    expect(r.message).toContain('environment variable DD_MISSING is not set');
  });

  it("makes a secret the monitor's own credentials cannot read a monitor-credentials result, not a missing secret", async () => {
    const { seen, probes } = recordingProbe();
    const t = target({ proxy: { url: 'http://a/', headers: { 'X-Key': { ssm: '/dd/key' } } } });
    const secrets = async () => {
      throw new MonitorCredentialsError(
        'SSM parameter /dd/key cannot be read: ExpiredTokenException: The security token included in the request is expired',
        'monitor-credentials',
      );
    };
    const r = await runCheck('proxy', t, { probes, secrets });
    expect(seen).toHaveLength(0);
    expect(r).toMatchObject({ ok: false, kind: 'monitor-credentials' });
    expect(r.message).toMatch(
      /^the monitor has no valid credentials .*the monitor needs fixing, not the stack \(SSM parameter/,
    );
  });

  it('asks for the download as a browser does, reads no more than the sentinel, and sends HEAD; the app gets a HEAD too', async () => {
    const { seen, probes } = recordingProbe();
    const t = target({});
    await runCheck('end-to-end', t, { probes, secrets: envResolver({}) });
    const get = seen.find((r) => r.method === undefined && r.body === 'hash');
    expect(get).toMatchObject({ acceptEncoding: 'gzip, deflate, br, zstd', maxBytes: t.sentinel.size });
    expect(seen.find((r) => r.method === 'HEAD')).toMatchObject({
      acceptEncoding: 'gzip, deflate, br, zstd',
    });
    // The 404 gave no validators: no conditional GET.
    expect(seen.some((r) => r.conditional)).toBe(false);
    seen.length = 0;
    await runCheck('app', t, { probes, secrets: envResolver({}) });
    expect(seen.map((r) => r.method ?? 'GET').sort()).toEqual(['GET', 'HEAD']);
    // Both probes off, and no Accept-Encoding: the download alone, as it comes.
    seen.length = 0;
    const plain = target({
      endToEnd: { url: 'http://a/', headProbe: false, conditionalProbe: false, acceptEncoding: false },
    });
    await runCheck('end-to-end', plain, { probes, secrets: envResolver({}) });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.acceptEncoding).toBeUndefined();
  });

  it('sends a conditional GET with the validators the download gave, after it', async () => {
    const seen: HttpProbeRequest[] = [];
    const http = async (req: HttpProbeRequest): Promise<HttpObservation> => {
      seen.push(req);
      const headers = { etag: '"v1"', 'last-modified': 'Tue, 24 Nov 2026 00:00:00 GMT' };
      return req.conditional
        ? { reached: true, status: 304, headers, bytes: 0, truncated: false, timings: { totalMs: 1 } }
        : {
            reached: true,
            status: 200,
            headers,
            bytes: 25,
            sha256: 'a'.repeat(64),
            truncated: false,
            timings: { totalMs: 1 },
          };
    };
    const { probes } = recordingProbe();
    const r = await runCheck('end-to-end', target({}), {
      probes: { ...probes, http },
      secrets: envResolver({}),
    });
    expect(seen.at(-1)?.conditional).toEqual({ etag: '"v1"', lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT' });
    expect(r.conditions.find((c) => c.subject === '[conditional GET]')).toMatchObject({
      pass: true,
      observed: '304 with 0 bytes',
    });
  });

  it('signs the proxy check of a private bucket: the signed query, and no cache-busting parameter S3 would refuse', async () => {
    const { seen, probes } = recordingProbe();
    const t = target({ proxy: { url: 'http://127.0.0.1:8080/healthcheck-utils/storage/', cacheBust: 'dd' } });
    expect(t.storage).toMatchObject({ type: 's3', proxyAuth: 'presigned' });
    const r = await runCheck('proxy', t, { probes, secrets: envResolver({}), nonce: () => 'n1' });
    expect(seen[0]?.url).toBe(
      'http://127.0.0.1:8080/healthcheck-utils/storage/?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0123abcd',
    );
    expect(JSON.stringify(r)).not.toContain('0123abcd');
  });

  it.each(['public', 'network'] as const)(
    'does not sign for a bucket the proxy reads unsigned (%s), and keeps its cache-busting parameter',
    async (proxyAuth) => {
      const { seen, probes } = recordingProbe();
      const t = target({
        proxy: { url: 'http://127.0.0.1:8080/healthcheck-utils/storage/', cacheBust: 'dd' },
      });
      const unsigned = { ...t, storage: { ...t.storage, proxyAuth } } as Target;
      await runCheck('proxy', unsigned, { probes, secrets: envResolver({}), nonce: () => 'n1' });
      expect(seen[0]?.url).toBe('http://127.0.0.1:8080/healthcheck-utils/storage/?dd=n1');
    },
  );

  it('makes a signature it cannot make an inconclusive result, without probing', async () => {
    const { seen, probes } = recordingProbe({
      ok: false,
      kind: 'check-error',
      error: 'could not sign the request: CredentialsProviderError: Could not load credentials',
    });
    const r = await runCheck('proxy', target({}), { probes, secrets: envResolver({}) });
    expect(seen).toHaveLength(0);
    expect(r).toMatchObject({ ok: false, kind: 'check-error' });
    expect(r.message).toContain('could not sign the request');
  });
});

describe('every result leaves redacted (runCheck)', () => {
  const secret = 'Bearer s3cr3t-value';
  const t = target({ app: { ...targetInput().app, headers: { Authorization: { env: 'DD_TOKEN' } } } });
  const secrets = envResolver({ DD_TOKEN: secret });

  it('a response that reflects the secret: headers, conditions, message; a note says where it came from', async () => {
    const reflecting = async (req: HttpProbeRequest): Promise<HttpObservation> => ({
      reached: true,
      status: 302,
      headers: {
        location: `/login?auth=${encodeURIComponent(req.headers.authorization ?? '')}`,
        'x-accel-redirect': `/_storage/${req.headers.authorization}`,
      },
      bytes: 0,
      truncated: false,
      timings: { totalMs: 1 },
    });
    const r = await runCheck('app', t, { probes: { ...recordingProbe().probes, http: reflecting }, secrets });
    const text = JSON.stringify(r);
    expect(text).not.toContain('s3cr3t');
    expect(r.observed.headers).toEqual({
      location: '/login?auth=[redacted]',
      'x-accel-redirect': '/_storage/[redacted]',
    });
    expect(r.conditions.find((c) => c.kind === 'header-mismatch')?.observed).toBe('"/_storage/[redacted]"');
    expect(r.notes).toContain(
      'sent Authorization from environment variable DD_TOKEN; its value is shown as [redacted] wherever it came back',
    );
  });

  it('a check that throws with the secret in its message: the error leaves redacted', async () => {
    const crashing = async (req: HttpProbeRequest): Promise<HttpObservation> => {
      throw new TypeError(`cannot parse ${req.headers.authorization}`);
    };
    const error = await runCheck('app', t, {
      probes: { ...recordingProbe().probes, http: crashing },
      secrets,
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('cannot parse [redacted]');
    expect((error as Error).stack).not.toContain('s3cr3t');
  });
});
