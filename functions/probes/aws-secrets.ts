/**
 * The resolver for secret references on AWS: Secrets Manager and SSM Parameter Store. Values are cached per
 * container for a few minutes (a rotation is picked up soon after) and never logged. `region`: where secrets
 * named without an ARN are read (a probe Region's function reads the home's), else the function's own Region.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { describeRef, type SecretRef, type SecretResolver } from '../checks/secrets.ts';
import { MonitorCredentialsError, SecretMissingError } from '../contract/errors.ts';
import { monitorSideKind, type S3ErrorLike } from './classify.ts';

const TTL_MS = 5 * 60_000;
const DEADLINE_MS = 3_000;

export function awsSecretResolver(now: () => number = Date.now, region?: string): SecretResolver {
  const options = region ? { region } : {};
  let secrets: SecretsManagerClient | undefined;
  let ssm: SSMClient | undefined;
  const cache = new Map<string, { value: string; until: number }>();

  const fetch = async (ref: SecretRef): Promise<string> => {
    const abortSignal = AbortSignal.timeout(DEADLINE_MS);
    // Each SDK client loads on the first secret it reads: a target without secret headers never pays for it
    // at cold start.
    if ('secretsManager' in ref) {
      const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
      secrets ??= new SecretsManagerClient(options);
      const out = await secrets.send(new GetSecretValueCommand({ SecretId: ref.secretsManager }), {
        abortSignal,
      });
      const text = out.SecretString ?? '';
      if (!ref.jsonKey) return text;
      const value = (JSON.parse(text) as Record<string, unknown>)[ref.jsonKey];
      if (typeof value !== 'string')
        throw new SecretMissingError(`${describeRef(ref)} has no string key ${ref.jsonKey}`);
      return value;
    }
    if ('ssm' in ref) {
      const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
      ssm ??= new SSMClient(options);
      const out = await ssm.send(new GetParameterCommand({ Name: ref.ssm, WithDecryption: true }), {
        abortSignal,
      });
      return out.Parameter?.Value ?? '';
    }
    throw new SecretMissingError(`${describeRef(ref)} cannot be read on AWS: use secretsManager or ssm`);
  };

  return async (ref) => {
    const key = JSON.stringify(ref);
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.value;
    let value: string;
    try {
      value = await fetch(ref);
    } catch (err) {
      if (err instanceof SecretMissingError) throw err;
      // The SDK's message names the secret or parameter, never its value.
      const message = `${describeRef(ref)} cannot be read: ${(err as Error).name}: ${(err as Error).message}`;
      const monitor = monitorSideKind(err as S3ErrorLike);
      if (monitor === 'monitor-credentials' || monitor === 'monitor-signing')
        throw new MonitorCredentialsError(message, monitor);
      throw new SecretMissingError(message);
    }
    if (value === '') throw new SecretMissingError(`${describeRef(ref)} is empty`);
    cache.set(key, { value, until: now() + TTL_MS });
    return value;
  };
}
