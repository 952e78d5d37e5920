// Lambda entry of the workflow's app Task state.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { httpProbe } from '../../probes/http.ts';
import { checkHandler } from '../check.ts';
import { checkDeps } from '../lambda.ts';

export const handler = checkHandler(
  'app',
  checkDeps({ probes: { http: httpProbe }, secrets: awsSecretResolver() }),
);
