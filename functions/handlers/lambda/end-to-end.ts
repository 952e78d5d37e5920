// Lambda entry of the workflow's end-to-end Task state.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { httpProbe } from '../../probes/http.ts';
import { lambdaHandler } from '../lambda.ts';

export const handler = lambdaHandler('end-to-end', {
  probes: { http: httpProbe },
  secrets: awsSecretResolver(),
});
