/**
 * Request headers whose values reference secrets: resolved through the resolver the caller plugs in (the
 * environment locally, Secrets Manager and SSM on AWS), each value kept to be redacted wherever it surfaces.
 */
import type { HeaderValue } from '../config/schema.ts';

export type SecretRef = Exclude<HeaderValue, string>;
/** Reads one secret's value; a SecretMissingError (or MonitorCredentialsError) when it cannot. */
export type SecretResolver = (ref: SecretRef) => Promise<string>;

/** How a reference prints: where the value comes from, never the value. */
export function describeRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('ssm' in ref) return `SSM parameter ${ref.ssm}`;
  return `secret ${ref.secretsManager}${ref.jsonKey ? ` (key ${ref.jsonKey})` : ''}`;
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
