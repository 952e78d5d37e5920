// Lambda entry of the workflow's storage Task state.
import { storageProbe } from '../../probes/storage.ts';
import { lambdaHandler } from '../lambda.ts';

export const handler = lambdaHandler('storage', { probes: { storage: storageProbe } });
