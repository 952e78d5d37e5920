// Lambda entry of the workflow's Diagnose Task state: pure rules, no probes.
import { lambdaHandler } from '../lambda.ts';

export const handler = lambdaHandler('diagnose');
