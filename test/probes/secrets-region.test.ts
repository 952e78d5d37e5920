/**
 * A probe Region's function reads its secret headers in the home's Region (functions/handlers/lambda/probe.ts), where
 * the home reads them: a secret is kept once, not copied to each Region. On moto: a parameter in the home's Region
 * only, read from a function whose own Region is another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSecretResolver } from '../../functions/probes/aws-secrets.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';

useTestCredentials();
let moto: MotoServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-secrets-region-'));
  moto = await startMotoServer(dir);
  const ssm = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
  await ssm.send(
    new PutParameterCommand({ Name: '/download-doctor/shop/token', Value: 's3cret', Type: 'SecureString' }),
  );
  ssm.destroy();
  // The probe function's own Region, and every SDK call to moto.
  process.env.AWS_REGION = 'ap-south-1';
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a probe Region's secrets", () => {
  it("are read in the home's Region, where they are kept; its own Region has none", async () => {
    const ref = { ssm: '/download-doctor/shop/token' };
    await expect(awsSecretResolver(Date.now, 'us-east-1')(ref)).resolves.toBe('s3cret');
    await expect(awsSecretResolver()(ref)).rejects.toThrow(/ParameterNotFound/);
  });
});
