/**
 * `download-doctor/cdk`: the DownloadHealthchecks construct for a CDK app. aws-cdk-lib and constructs are peer
 * dependencies: the app keeps its own single copy.
 */

export { DownloadHealthchecks, type DownloadHealthchecksProps } from './construct.ts';
export { DownloadHealthchecksError } from './errors.ts';
export { DownloadProbes, type DownloadProbesProps } from './probes.ts';
export { SelfTest } from './self-test.ts';
export type { AlarmDatapoints, MonitorAlarmId, PagingAlarmId, RuleId } from './telemetry.ts';
