// Lambda entry of the workflow's app Task state.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { httpProbe } from '../../probes/http.ts';
import { lambdaHandler } from '../lambda.ts';

export const handler = lambdaHandler('app', { probes: { http: httpProbe }, secrets: awsSecretResolver() });
