// Lambda entry of the workflow's proxy Task state.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { httpProbe } from '../../probes/http.ts';
import { presignProbe } from '../../probes/storage.ts';
import { lambdaHandler } from '../lambda.ts';

export const handler = lambdaHandler('proxy', {
  probes: { http: httpProbe, presign: presignProbe },
  secrets: awsSecretResolver(),
});
