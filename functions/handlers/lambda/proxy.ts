// Lambda entry of the workflow's proxy Task state.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { httpProbe } from '../../probes/http.ts';
import { lambdaHandler } from '../lambda.ts';

export const handler = lambdaHandler('proxy', { probes: { http: httpProbe }, secrets: awsSecretResolver() });
