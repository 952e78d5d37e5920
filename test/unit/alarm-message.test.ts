import { describe, expect, it } from 'vitest';
import { parseAlarmMessage } from '../../functions/alerting/alarm-message.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { AlarmMessageError } from '../../functions/contract/errors.ts';

/** The instance whose notifier reads these messages. */
const INSTANCE = 'prod';
const alarmName = instanceNames(INSTANCE).alarm;

const rule = (id: string) => {
  const r = TARGET_ALARMS.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
};

/** A CloudWatch alarm notification as SNS delivers it (lower-case dimension keys, `+0000` times). */
function message(overrides: Record<string, unknown> = {}, trigger: Record<string, unknown> = {}): string {
  return JSON.stringify({
    AlarmName: 'download-doctor-prod-production-down',
    AlarmDescription: 'download-doctor (critical): ...',
    AWSAccountId: '111122223333',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 2 out of the last 3 datapoints [0.0, 0.0] were less than the threshold (1.0)',
    StateChangeTime: '2026-11-24T00:10:00.123+0000',
    Region: 'EU (Ireland)',
    OldStateValue: 'OK',
    Trigger: {
      MetricName: 'Healthy',
      Namespace: 'DownloadDoctor',
      StatisticType: 'Statistic',
      Statistic: 'MINIMUM',
      Unit: null,
      Dimensions: [{ value: 'production', name: 'Target' }],
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1.0,
      TreatMissingData: 'notBreaching',
      ...trigger,
    },
    ...overrides,
  });
}

describe('parseAlarmMessage', () => {
  it.each([
    ['ALARM of the down rule', message(), 'production', 'down', 'ALARM', [2, 3]],
    [
      'OK of the down rule, after ALARM',
      message({ NewStateValue: 'OK', OldStateValue: 'ALARM' }),
      'production',
      'down',
      'OK',
      [2, 3],
    ],
    [
      'ALARM of a new alarm, straight from INSUFFICIENT_DATA',
      message({ OldStateValue: 'INSUFFICIENT_DATA' }),
      'production',
      'down',
      'ALARM',
      [2, 3],
    ],
    [
      'a target whose name has hyphens, the no-data rule',
      message(
        { AlarmName: alarmName('eu-prod', rule('no-data')) },
        { Dimensions: [{ name: 'Target', value: 'eu-prod' }] },
      ),
      'eu-prod',
      'no-data',
      'ALARM',
      [2, 3],
    ],
    [
      'the deployed M of N, overridden in the construct',
      message({}, { DatapointsToAlarm: 1, EvaluationPeriods: 1 }),
      'production',
      'down',
      'ALARM',
      [1, 1],
    ],
    [
      "an older message without DatapointsToAlarm: the rule's M of N",
      message(
        { AlarmName: alarmName('production', rule('degraded')) },
        { DatapointsToAlarm: undefined, EvaluationPeriods: undefined },
      ),
      'production',
      'degraded',
      'ALARM',
      [3, 3],
    ],
  ])('%s', (_name, raw, target, id, state, [m, n]) => {
    // Act
    const parsed = parseAlarmMessage(raw, INSTANCE);

    // Assess
    expect(parsed).toEqual({
      kind: 'transition',
      transition: {
        alarmName: alarmName(target, rule(id)),
        target,
        rule: {
          id,
          severity: rule(id).severity,
          description: rule(id).description,
          datapointsToAlarm: m,
          evaluationPeriods: n,
        },
        state,
        at: new Date('2026-11-24T00:10:00.123Z'),
      },
    });
  });

  it.each([
    ['INSUFFICIENT_DATA', message({ NewStateValue: 'INSUFFICIENT_DATA' }), /INSUFFICIENT_DATA pages no one/],
    [
      "a new alarm's first OK (no RESOLVED page on deploy)",
      message({ NewStateValue: 'OK', OldStateValue: 'INSUFFICIENT_DATA' }),
      /OK after INSUFFICIENT_DATA, nothing to resolve/,
    ],
    [
      'an alarm without a Target dimension',
      message({}, { Dimensions: [] }),
      /not a target alarm of download-doctor instance "prod"/,
    ],
    [
      "an alarm on a target's metric under another name",
      message({ AlarmName: 'my-own-production-alarm' }),
      /my-own-production-alarm: not a target alarm of download-doctor instance/,
    ],
    [
      "another target's alarm name",
      message({ AlarmName: 'download-doctor-prod-staging-down' }),
      /not a target alarm of download-doctor instance "prod"/,
    ],
    [
      "another instance's alarm on a target of the same name (staging and production in one account)",
      message({ AlarmName: 'download-doctor-staging-production-down' }),
      /not a target alarm of download-doctor instance "prod"/,
    ],
    [
      'an alarm named as before instances had names',
      message({ AlarmName: 'download-doctor-production-down' }),
      /not a target alarm of download-doctor instance "prod"/,
    ],
  ])('ignores %s', (_name, raw, reason) => {
    const parsed = parseAlarmMessage(raw, INSTANCE);
    expect(parsed.kind).toBe('ignored');
    expect(parsed.kind === 'ignored' && parsed.reason).toMatch(reason);
  });

  it.each([
    ['text that is not JSON', 'ALARM: production is down', /not JSON/],
    ['JSON without the alarm fields', JSON.stringify({ hello: 'world' }), /not a CloudWatch alarm message/],
    ['an unknown state', message({ NewStateValue: 'ON_FIRE' }), /not a CloudWatch alarm message/],
    ['a time that is not one', message({ StateChangeTime: 'yesterday' }), /"yesterday" is not a time/],
  ])('throws on %s (a page must not vanish silently)', (_name, raw, error) => {
    expect(() => parseAlarmMessage(raw, INSTANCE)).toThrow(AlarmMessageError);
    expect(() => parseAlarmMessage(raw, INSTANCE)).toThrow(error);
  });
});
