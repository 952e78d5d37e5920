// Lambda entry of the workflow's end-to-end Task state.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { httpProbe } from '../../probes/http.ts';
import { checkHandler } from '../check.ts';
import { checkDeps } from '../lambda.ts';

export const handler = checkHandler(
  'end-to-end',
  checkDeps({ probes: { http: httpProbe }, secrets: awsSecretResolver() }),
);
