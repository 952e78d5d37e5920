/**
 * Resolves request header values that reference secrets. Locally the references are environment variables;
 * the AWS handlers plug in a resolver for Secrets Manager and SSM. Values are returned, never logged.
 */
import type { HeaderValue } from '../config/schema.ts';
import { SecretMissingError } from '../contract/errors.ts';

export type SecretRef = Exclude<HeaderValue, string>;
export type SecretResolver = (ref: SecretRef) => Promise<string>;

export function describeRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('ssm' in ref) return `SSM parameter ${ref.ssm}`;
  return `secret ${ref.secretsManager}${ref.jsonKey ? ` (key ${ref.jsonKey})` : ''}`;
}

/** The local resolver: environment variables only. */
export function envResolver(env: NodeJS.ProcessEnv): SecretResolver {
  return async (ref) => {
    if (!('env' in ref)) {
      throw new SecretMissingError(
        `${describeRef(ref)} can only be read on AWS; locally, use { "env": "NAME" }`,
      );
    }
    const value = env[ref.env];
    if (value === undefined || value === '') throw new SecretMissingError(`${describeRef(ref)} is not set`);
    return value;
  };
}

/** The headers to send, and the values that came from secret references (to redact wherever they surface). */
export async function resolveHeaders(
  headers: Record<string, HeaderValue> | undefined,
  resolve: SecretResolver,
): Promise<{ headers: Record<string, string>; secrets: string[] }> {
  const out: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else {
      const secret = await resolve(value);
      out[name.toLowerCase()] = secret;
      secrets.push(secret);
    }
  }
  return { headers: out, secrets };
}
