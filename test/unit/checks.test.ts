import { describe, expect, it } from 'vitest';
import { runCheck } from '../../functions/checks.ts';
import type { Target } from '../../functions/core/config.ts';
import type { HttpProbeRequest, PresignResult } from '../../functions/core/probe.ts';
import type { HttpObservation } from '../../functions/core/types.ts';
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

  it('does not sign for a public bucket, and keeps its cache-busting parameter', async () => {
    const { seen, probes } = recordingProbe();
    const t = target({ proxy: { url: 'http://127.0.0.1:8080/healthcheck-utils/storage/', cacheBust: 'dd' } });
    const pub = { ...t, storage: { ...t.storage, proxyAuth: 'public' as const } } as Target;
    await runCheck('proxy', pub, { probes, secrets: envResolver({}), nonce: () => 'n1' });
    expect(seen[0]?.url).toBe('http://127.0.0.1:8080/healthcheck-utils/storage/?dd=n1');
  });

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
