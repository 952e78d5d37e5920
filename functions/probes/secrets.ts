/**
 * The local secret resolver: references are environment variables (the AWS handlers plug in ./aws-secrets.ts for
 * Secrets Manager and SSM). Values are returned, never logged.
 */
import { describeRef, type SecretResolver } from '../checks/secrets.ts';
import { SecretMissingError } from '../contract/errors.ts';

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
