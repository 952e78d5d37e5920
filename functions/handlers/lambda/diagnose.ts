// Lambda entry of the workflow's Diagnose Task state: pure rules, no probes.
import { diagnoseHandler } from '../diagnose.ts';
import { configFromFile } from '../lambda.ts';

export const handler = diagnoseHandler({ config: configFromFile() });
