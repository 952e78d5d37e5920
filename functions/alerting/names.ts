/**
 * Every name an instance gives what it creates, defined once: alarms, schedules, the dashboard, the namespace,
 * the log group and the stored reports' keys. Pure.
 */
import type { AlarmRule } from './rules.ts';

/** The namespaces' common root: each instance publishes under `DownloadDoctor/INSTANCE` (instanceNames). */
export const NAMESPACE = 'DownloadDoctor';

/**
 * An instance name: letters and digits, no dash, so that `download-doctor-INSTANCE-TARGET-RULE` names one alarm
 * of one instance only (a target name may hold dashes). 30 characters at most: a schedule's name
 * (`INSTANCE-every-5m`, one per interval) must fit in EventBridge Scheduler's 64.
 */
export const INSTANCE_NAME = /^[A-Za-z][A-Za-z0-9]{0,29}$/;
export const INSTANCE_NAME_RULE = 'letters and digits, starting with a letter, 30 characters at most';
/** The instance of `download-doctor run --publish` unless `--instance` names another. */
export const LOCAL_INSTANCE = 'local';

/**
 * Every name an instance gives what it creates, defined once: the construct (alarms, schedules, dashboard, the
 * report function's namespace), the notifier (which alarms are its own) and `run --publish` use these.
 * Any number of instances then coexist in one account, region and stack.
 */
export function instanceNames(instance: string) {
  return {
    instance,
    namespace: `${NAMESPACE}/${instance}`,
    alarm: (target: string, rule: Pick<AlarmRule, 'id'>) =>
      `download-doctor-${instance}-${target}-${rule.id}`,
    /** A location's silence (LOCATION_SILENT): `download-doctor-INSTANCE-location-NAME-location-silent`. */
    locationAlarm: (location: string) => `download-doctor-${instance}-location-${location}-location-silent`,
    /** The monitor's own alarms (failed runs, function errors, the paging path). */
    monitorAlarm: (id: string) => `download-doctor-${instance}-monitor-${id}`,
    /** One schedule per interval: `INSTANCE-every-5m` (at most 30 + 16 characters, under Scheduler's 64). */
    schedule: (label: string) => `${instance}-${label}`,
    dashboard: `download-doctor-${instance}`,
    /**
     * Several locations on AWS: the home's table of slots and its decide queue, named (not generated) so that a
     * probe Region's stack builds their ARNs from the names alone, without a cross-stack reference.
     */
    slotsTable: `download-doctor-${instance}-slots`,
    decideQueue: `download-doctor-${instance}-decide`,
    /** A probe location's schedules: `INSTANCE-LOCATION-every-5m` (Scheduler's 64 characters: synth checks). */
    locationSchedule: (location: string, label: string) => `${instance}-${location}-${label}`,
    /** Under /aws/vendedlogs/states/: Step Functions' log delivery then needs no resource policy per group. */
    workflowLogGroup: `/aws/vendedlogs/states/download-doctor-${instance}`,
  };
}
export type InstanceNames = ReturnType<typeof instanceNames>;

/**
 * The instance's table of targets (functions/probes/target-store.ts): its key attributes, and the attribute whose
 * epoch seconds expire a history item (its TTL).
 */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk', ttl: 'expiresAt' } as const;

/** Where the latest report of a target is kept (on AWS, for the notifier). */
export const reportKey = (target: string) => `latest/${target}.json`;
/** The same report as a page (functions/render/report-html.ts), beside the JSON. */
export const reportPageKey = (target: string) => `latest/${target}.html`;
