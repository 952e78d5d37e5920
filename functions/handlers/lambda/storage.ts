// Lambda entry of the workflow's storage Task state.
import { storageProbe } from '../../probes/storage.ts';
import { checkHandler } from '../check.ts';
import { checkDeps } from '../lambda.ts';

export const handler = checkHandler('storage', checkDeps({ probes: { storage: storageProbe } }));
