/**
 * Lambda entry of the notifier, subscribed to the alarm topic: each target alarm's ALARM or OK becomes a page on
 * the page topic, with the verdict.
 *
 * Why a function between the alarm and on-call: a CloudWatch alarm's own notification can only say that a metric
 * crossed a threshold. It cannot carry the verdict (the layer at fault, the evidence), which lives in the run's
 * report. So the notifier reads the target's latest report and sends pageText, the text the CLI sends locally,
 * with the rule's severity as a message attribute (`severity`: critical or warning), so that a subscription's
 * filter policy can route warnings apart from pages.
 *
 * The same report says whether the target is in a maintenance window (the diagnose function sets it from the
 * config): then the notifier sends neither page nor notice, and re-arms a rising alarm (functions/alerting/alarms.ts).
 */
import { readFileSync } from 'node:fs';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { parseAlarmMessage } from '../../alerting/alarm-message.ts';
import { deliveryOf } from '../../alerting/alarms.ts';
import { clientOptions, DEADLINE_MS } from '../../probes/aws-options.ts';
import { s3ReportReader } from '../../probes/report-reader.ts';
import { consoleLinks, pageText } from '../../render/page.ts';
import { requiredEnv, runbooksFilePath } from '../env.ts';
import { parseSnsEvent } from '../sns-event.ts';

const reportBucket = requiredEnv('REPORT_BUCKET');
const reports = s3ReportReader(reportBucket);
const instance = requiredEnv('INSTANCE_NAME');
const pageTopicArn = requiredEnv('PAGE_TOPIC_ARN');
const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');
// Lambda always sets AWS_REGION: the page points to the HTML report (the bucket's region) and to the console.
const region = process.env.AWS_REGION;
const reportPages = region ? { bucket: reportBucket, region } : undefined;
const dashboard = process.env.DASHBOARD_NAME;
const links = region && dashboard ? consoleLinks(region, stateMachineArn, dashboard) : undefined;
// The runbooks, by target (the construct writes them from the config); a page goes out without them rather than
// not at all.
let runbooks: Readonly<Record<string, unknown>> = {};
try {
  const read: unknown = JSON.parse(readFileSync(runbooksFilePath(), 'utf8'));
  if (typeof read !== 'object' || read === null || Array.isArray(read)) throw new TypeError('not an object');
  runbooks = read as Record<string, unknown>;
} catch (err) {
  console.error(JSON.stringify({ runbooksUnreadable: String(err) }));
}
const sns = new SNSClient(clientOptions({}));
// CloudWatch only re-arms an alarm that fired in a maintenance window: its client loads then, not at cold start.
let cloudwatch:
  | Promise<typeof import('@aws-sdk/client-cloudwatch') & { client: CloudWatchClient }>
  | undefined;
const cloudWatch = () =>
  (cloudwatch ??= import('@aws-sdk/client-cloudwatch').then((sdk) => ({
    ...sdk,
    client: new sdk.CloudWatchClient(clientOptions({})),
  })));

export async function handler(event: unknown): Promise<void> {
  // A malformed event throws, naming its fields: Lambda retries it, then sends it to the dead-letter queue.
  for (const record of parseSnsEvent(event).Records) {
    const parsed = parseAlarmMessage(record.Sns.Message, instance);
    if (parsed.kind === 'ignored') {
      console.log(JSON.stringify({ ignored: parsed.reason }));
      continue;
    }
    const t = parsed.transition;
    // A page without the verdict beats no page: a report that cannot be read is logged, and the page still goes.
    const report = await reports.latest(t.target).catch((err: unknown) => {
      console.error(JSON.stringify({ target: t.target, reportUnreadable: String(err) }));
      return undefined;
    });
    // In a maintenance window of the target, no page and no recovery notice (functions/alerting/alarms.ts); an
    // ALARM is re-armed, so that it pages at its next breach once the window is over.
    const delivery = deliveryOf(t, report);
    if (!delivery.send) {
      if (delivery.rearm) {
        const { client, SetAlarmStateCommand } = await cloudWatch();
        await client.send(
          new SetAlarmStateCommand({
            AlarmName: t.alarmName,
            StateValue: 'OK',
            StateReason: `download-doctor: not paged, ${delivery.reason}; re-armed`,
          }),
          { abortSignal: AbortSignal.timeout(DEADLINE_MS) },
        );
      }
      console.log(
        JSON.stringify({
          notPaged: t.alarmName,
          state: t.state,
          reason: delivery.reason,
          rearmed: delivery.rearm,
        }),
      );
      continue;
    }
    const runbook = Object.hasOwn(runbooks, t.target) ? runbooks[t.target] : undefined;
    const runbookUrl = typeof runbook === 'string' ? runbook : undefined;
    const page = pageText(t, report, stateMachineArn, reportPages, { runbookUrl, console: links });
    const severity = t.rule.severity;
    // A failed publish throws: Lambda retries the event, then sends it to the dead-letter queue (an alarm).
    await sns.send(
      new PublishCommand({
        TopicArn: pageTopicArn,
        Subject: page.subject,
        Message: page.message,
        MessageAttributes: { severity: { DataType: 'String', StringValue: severity } },
      }),
      { abortSignal: AbortSignal.timeout(DEADLINE_MS) },
    );
    console.log(
      JSON.stringify({
        paged: t.alarmName,
        state: t.state,
        severity,
        verdict: report?.verdict.status ?? null,
      }),
    );
  }
}
