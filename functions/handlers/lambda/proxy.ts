// Lambda entry of the workflow's proxy Task state.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { httpProbe } from '../../probes/http.ts';
import { checkHandler } from '../check.ts';
import { checkDeps } from '../lambda.ts';

export const handler = checkHandler(
  'proxy',
  checkDeps({
    // The S3 client loads on the first signature: only a private bucket's proxy check signs its request.
    probes: {
      http: httpProbe,
      presign: async (s) => (await import('../../probes/storage.ts')).presignProbe(s),
    },
    secrets: awsSecretResolver(),
  }),
);
