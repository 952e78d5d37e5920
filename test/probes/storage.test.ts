/**
 * The storage probe against a real moto_server (S3) that this file starts on a free loopback port, and against
 * files in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorCredentialsError } from '../../functions/contract/errors.ts';
import type { StorageObservation } from '../../functions/contract/types.ts';
import { awsSecretResolver } from '../../functions/probes/aws-secrets.ts';
import {
  createPresignProbe,
  createS3ClientCache,
  createStorageProbe,
  putSentinel,
  type S3Storage,
} from '../../functions/probes/storage.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { freePorts } from '../../sandbox/processes.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';

const REGION = 'eu-west-1';
const SENTINEL = Buffer.from('download-doctor sentinel\n'.repeat(4000));
const SENTINEL_SHA256 = createHash('sha256').update(SENTINEL).digest('hex');

function reached(obs: StorageObservation): Extract<StorageObservation, { reached: true }> {
  if (!obs.reached) throw new Error(`expected a read, got ${obs.kind}: ${obs.error}`);
  return obs;
}

function failure(obs: StorageObservation): Extract<StorageObservation, { reached: false }> {
  if (obs.reached) throw new Error(`expected a failure, read ${obs.bytes} bytes`);
  return obs;
}

useTestCredentials();

describe('storageProbe: S3 (moto_server)', () => {
  let moto: MotoServer;
  let endpoint: string;
  let admin: S3Client;
  const clients = createS3ClientCache();
  const logDir = mkdtempSync(join(tmpdir(), 'dd-storage-moto-'));
  const probe = createStorageProbe(clients);

  const s3 = (bucket: string, key: string, extra: Partial<S3Storage> = {}): S3Storage => ({
    type: 's3',
    bucket,
    key,
    region: REGION,
    endpoint,
    proxyAuth: 'presigned',
    timeoutMs: 5000,
    ...extra,
  });

  async function createBucket(bucket: string): Promise<void> {
    await admin.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
  }

  beforeAll(async () => {
    moto = await startMotoServer(logDir);
    endpoint = moto.endpoint;
    admin = new S3Client({ region: REGION, endpoint, forcePathStyle: true });

    await createBucket('sentinels');
    await putSentinel(
      s3('sentinels', 'healthcheck/sentinel.bin'),
      SENTINEL,
      'application/octet-stream',
      clients,
    );

    // A bucket policy that denies reads to everyone: moto enforces it for signed requests too.
    await createBucket('locked');
    await putSentinel(s3('locked', 'sentinel.bin'), SENTINEL, undefined, clients);
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: 'locked',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::locked/*' },
          ],
        }),
      }),
    );
  });

  afterAll(async () => {
    clients.destroy();
    admin?.destroy();
    await moto?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('ok: reads the sentinel with the expected sha256, size and content type', async () => {
    const obs = reached(await probe(s3('sentinels', 'healthcheck/sentinel.bin')));

    expect(obs).toMatchObject({
      bytes: SENTINEL.length,
      sha256: SENTINEL_SHA256,
      metadata: { 'content-type': 'application/octet-stream' },
      metadataSource: 'object',
    });
    expect(obs.timings.firstByteMs).toBeGreaterThan(0);
    expect(obs.timings.transferMs).toBeTypeOf('number');
    expect(obs.timings.totalMs).toBeGreaterThan(0);
  });

  it('s3-no-such-key', async () => {
    const obs = failure(await probe(s3('sentinels', 'healthcheck/missing.bin')));

    expect(obs.kind).toBe('s3-no-such-key');
    expect(obs.error).toMatch(/^NoSuchKey \(HTTP 404\)/);
  });

  it('s3-no-such-bucket', async () => {
    const obs = failure(await probe(s3('no-such-bucket', 'sentinel.bin')));

    expect(obs.kind).toBe('s3-no-such-bucket');
  });

  it('s3-access-denied when a bucket policy denies s3:GetObject (empty 403 body)', async () => {
    const obs = failure(await probe(s3('locked', 'sentinel.bin')));

    expect(obs.kind).toBe('s3-access-denied');
    expect(obs.error).toContain('403');
  });

  it('s3-unreachable when nothing listens on the endpoint', async () => {
    const [port] = await freePorts(1);

    const obs = failure(
      await probe(s3('sentinels', 'sentinel.bin', { endpoint: `http://127.0.0.1:${port}` })),
    );

    expect(obs.kind).toBe('s3-unreachable');
    expect(obs.error).toMatch(/ECONNREFUSED/);
  });

  it('putSentinel round trip: what it returns is what the probe reads', async () => {
    const body = `sentinel written at ${new Date().toISOString()}\n`;
    const target = s3('sentinels', 'roundtrip/sentinel.txt');

    const written = await putSentinel(target, body, 'text/plain', clients);
    const obs = reached(await probe(target));

    expect(written).toEqual({ sha256: createHash('sha256').update(body).digest('hex'), size: body.length });
    expect(obs).toMatchObject({
      sha256: written.sha256,
      bytes: written.size,
      metadata: { 'content-type': 'text/plain' },
    });
  });

  it('reads what the object carries besides its bytes: type, encoding, disposition, cache control', async () => {
    await admin.send(
      new PutObjectCommand({
        Bucket: 'sentinels',
        Key: 'metadata/sentinel.bin',
        Body: SENTINEL,
        ContentType: 'binary/octet-stream',
        ContentEncoding: 'gzip',
        ContentDisposition: 'attachment; filename="other.bin"',
        CacheControl: 'public, max-age=31536000',
      }),
    );

    const obs = reached(await probe(s3('sentinels', 'metadata/sentinel.bin')));

    expect(obs.metadata).toEqual({
      'content-type': 'binary/octet-stream',
      'content-encoding': 'gzip',
      'content-disposition': 'attachment; filename="other.bin"',
      'cache-control': 'public, max-age=31536000',
      // The object's validators, as S3 answers them (a copy on the way replays old ones).
      etag: `"${createHash('md5').update(SENTINEL).digest('hex')}"`,
      'last-modified': expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/),
    });
  });

  it('stops reading an object that grew past the sentinel (maxBytes)', async () => {
    const obs = reached(await probe(s3('sentinels', 'healthcheck/sentinel.bin'), { maxBytes: 10 }));

    expect(obs.overflow).toBe(true);
    expect(obs.bytes).toBeGreaterThan(10);
    expect(obs.bytes).toBeLessThan(SENTINEL.length);
  });

  describe("without credentials in the environment (the monitor's own fault, never storage's)", () => {
    let saved: NodeJS.ProcessEnv;
    const home = mkdtempSync(join(tmpdir(), 'dd-no-credentials-'));
    beforeAll(() => {
      saved = { ...process.env };
      for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
      // No credentials file, no instance metadata: the SDK's default chain finds nothing.
      process.env.HOME = home;
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
    });
    afterAll(() => {
      process.env = saved;
      rmSync(home, { recursive: true, force: true });
    });

    it('the storage probe reports monitor-credentials', async () => {
      const obs = failure(await probe(s3('sentinels', 'healthcheck/sentinel.bin')));

      expect(obs.kind).toBe('monitor-credentials');
      expect(obs.error).toBe('CredentialsProviderError: Could not load credentials from any providers');
    });

    it("the proxy check's signature reports monitor-credentials too", async () => {
      const signed = await createPresignProbe(clients)(s3('sentinels', 'healthcheck/sentinel.bin'));

      expect(signed).toMatchObject({ ok: false, kind: 'monitor-credentials' });
    });

    it('so does a secret read from Secrets Manager on AWS (the SDK finds no credentials)', async () => {
      process.env.AWS_REGION = REGION;
      const read = awsSecretResolver()({
        secretsManager: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x',
      });

      await expect(read).rejects.toBeInstanceOf(MonitorCredentialsError);
      await expect(read).rejects.toMatchObject({ kind: 'monitor-credentials' });
    });
  });
});

describe('storageProbe: deadlines (fake S3 endpoint)', () => {
  const clients = createS3ClientCache();
  const probe = createStorageProbe(clients);
  const servers: http.Server[] = [];

  afterAll(async () => {
    clients.destroy();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  async function fakeS3(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const target = (endpoint: string): S3Storage => ({
    type: 's3',
    bucket: 'sentinels',
    key: 'sentinel.bin',
    region: REGION,
    endpoint,
    proxyAuth: 'presigned',
    timeoutMs: 600,
  });

  it('s3-unreachable within the deadline when the endpoint never answers', async () => {
    const endpoint = await fakeS3(() => {});
    const start = performance.now();

    const obs = failure(await probe(target(endpoint)));

    expect(obs.kind, obs.error).toBe('s3-unreachable');
    expect(performance.now() - start).toBeLessThan(1600);
  });

  /** S3's XML error document, as S3 sends it. */
  const s3Error = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    ((_req, res) => {
      res.writeHead(status, { 'Content-Type': 'application/xml', ...headers });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R</RequestId></Error>`,
      );
    }) satisfies http.RequestListener;

  it('monitor-credentials when S3 says the session token expired (what S3 answers; moto does not check expiry)', async () => {
    const endpoint = await fakeS3(s3Error(400, 'ExpiredToken', 'The provided token has expired.'));

    const obs = failure(await probe(target(endpoint)));

    expect(obs.kind).toBe('monitor-credentials');
    expect(obs.error).toBe('ExpiredToken (HTTP 400): The provided token has expired.');
  });

  it("monitor-signing naming the region when S3 redirects to the bucket's region", async () => {
    const endpoint = await fakeS3(
      s3Error(
        301,
        'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint.',
        {
          'x-amz-bucket-region': 'eu-central-1',
        },
      ),
    );

    const obs = failure(await probe(target(endpoint)));

    expect(obs.kind).toBe('monitor-signing');
    expect(obs.error).toContain('(S3 says the bucket is in eu-central-1: set storage.region)');
  });

  it('timeout when the body stalls after S3 answered', async () => {
    const endpoint = await fakeS3((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000', 'Content-Type': 'application/octet-stream' });
      res.write(Buffer.alloc(10));
    });
    const start = performance.now();

    const obs = failure(await probe(target(endpoint)));

    expect(obs.kind, obs.error).toBe('timeout');
    expect(obs.timings.firstByteMs).toBeTypeOf('number');
    expect(performance.now() - start).toBeLessThan(1600);
  });
});

describe('storageProbe: filesystem', () => {
  const probe = createStorageProbe();
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dd-fs-'));
    writeFileSync(join(dir, 'sentinel.bin'), SENTINEL);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ok: reads the file with the expected sha256 and size', async () => {
    const obs = reached(
      await probe({ type: 'filesystem', path: join(dir, 'sentinel.bin'), timeoutMs: 2000 }),
    );

    expect(obs).toMatchObject({ bytes: SENTINEL.length, sha256: SENTINEL_SHA256 });
    // What a front server's type map says of the name: clients get that type when the server sets it.
    expect(obs).toMatchObject({
      metadata: { 'content-type': 'application/octet-stream' },
      metadataSource: 'type-map',
    });
    const text = join(dir, 'healthcheck.txt');
    writeFileSync(text, 'x');
    expect(reached(await probe({ type: 'filesystem', path: text, timeoutMs: 2000 })).metadata).toEqual({
      'content-type': 'text/plain',
    });
  });

  it('stops reading a file that grew past the sentinel (maxBytes)', async () => {
    const obs = reached(
      await probe({ type: 'filesystem', path: join(dir, 'sentinel.bin'), timeoutMs: 2000 }, { maxBytes: 10 }),
    );

    expect(obs).toMatchObject({ overflow: true });
    expect(obs.bytes).toBeLessThan(SENTINEL.length);
  });

  it('fs-not-found', async () => {
    const obs = failure(await probe({ type: 'filesystem', path: join(dir, 'missing.bin'), timeoutMs: 2000 }));

    expect(obs.kind).toBe('fs-not-found');
    expect(obs.error).toMatch(/^ENOENT: /);
  });

  it('fs-error for a directory', async () => {
    const obs = failure(await probe({ type: 'filesystem', path: dir, timeoutMs: 2000 }));

    expect(obs.kind).toBe('fs-error');
  });

  it.skipIf(process.getuid?.() === 0)(
    'fs-access-denied (skipped when running as root: root ignores file permissions)',
    async () => {
      const path = join(dir, 'unreadable.bin');
      writeFileSync(path, SENTINEL);
      chmodSync(path, 0o000);

      const obs = failure(await probe({ type: 'filesystem', path, timeoutMs: 2000 }));

      expect(obs.kind).toBe('fs-access-denied');
    },
  );
});

describe.skipIf(process.getuid?.() !== 0)(
  'storageProbe: filesystem read as another user (readAs; skipped unless root, which alone may switch users)',
  () => {
    const probe = createStorageProbe();
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'dd-fs-as-'));
      chmodSync(dir, 0o755); // nobody must reach the files
      writeFileSync(join(dir, 'sentinel.bin'), SENTINEL, { mode: 0o644 });
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('ok: reads the file as nobody, with the expected sha256 and size', async () => {
      const obs = reached(
        await probe({
          type: 'filesystem',
          path: join(dir, 'sentinel.bin'),
          readAs: 'nobody',
          timeoutMs: 5000,
        }),
      );
      expect(obs).toMatchObject({ bytes: SENTINEL.length, sha256: SENTINEL_SHA256 });
    });

    it('stops reading a file that grew past the sentinel (maxBytes), as nobody', async () => {
      const obs = reached(
        await probe(
          { type: 'filesystem', path: join(dir, 'sentinel.bin'), readAs: 'nobody', timeoutMs: 5000 },
          { maxBytes: 10 },
        ),
      );
      expect(obs).toMatchObject({ overflow: true });
      expect(obs.bytes).toBeLessThan(SENTINEL.length);
    });

    it('fs-access-denied for a file nobody may not read, though root (this process) could', async () => {
      const path = join(dir, 'unreadable.bin');
      writeFileSync(path, SENTINEL, { mode: 0o600 });
      const obs = failure(await probe({ type: 'filesystem', path, readAs: 'nobody', timeoutMs: 5000 }));
      expect(obs.kind).toBe('fs-access-denied');
      expect(obs.error).toMatch(/^EACCES: .* \(read as nobody\)$/);
      // The same file, read in-process as root: permissions are not applied.
      expect(reached(await probe({ type: 'filesystem', path, timeoutMs: 5000 })).bytes).toBe(SENTINEL.length);
    });

    it('fs-not-found', async () => {
      const path = join(dir, 'missing.bin');
      const obs = failure(await probe({ type: 'filesystem', path, readAs: 'nobody', timeoutMs: 5000 }));
      expect(obs.kind).toBe('fs-not-found');
    });

    it('timeout: a read that blocks (a FIFO nobody writes to) is killed at the deadline', async () => {
      const path = join(dir, 'stalled.fifo');
      execFileSync('mkfifo', ['-m', '0644', path]);
      const start = performance.now();
      const obs = failure(await probe({ type: 'filesystem', path, readAs: 'nobody', timeoutMs: 800 }));
      expect(obs.kind).toBe('timeout');
      expect(obs.error).toMatch(/^TimeoutError: the 800 ms deadline expired/);
      expect(performance.now() - start).toBeLessThan(3000);
    });

    it('check-error naming the field for a user that does not exist', async () => {
      const path = join(dir, 'sentinel.bin');
      const obs = failure(await probe({ type: 'filesystem', path, readAs: 'no-such-user', timeoutMs: 5000 }));
      expect(obs.kind).toBe('check-error');
      expect(obs.error).toBe('storage.readAs: no user "no-such-user" in /etc/passwd');
    });
  },
);
