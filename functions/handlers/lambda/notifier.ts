/**
 * Lambda entry of the notifier, subscribed to the alarm topic: each transition that the report function (a run's
 * alarms) or the plan function (a silent target's no-data) stepped and sent becomes a page on the page topic, or
 * for the monitor's own rules a notice on the monitor topic, with the verdict.
 *
 * Why a function between the alarms and on-call: the page's text (functions/render/page.ts, the CLI's) is rendered
 * in one place, the notifier, which the paging path's alarms watch (its errors, its dead-letter queue), apart from
 * the runs. The transition carries the run's report when it fits in the message; else the notifier reads the
 * stored one. The rule's severity travels as a message attribute (`severity`: critical or warning), so that a
 * subscription's filter policy can route warnings apart from pages. Whether a transition pages at all (maintenance
 * windows) was decided where it was stepped (functions/alerting/alarms.ts, deliveryOf).
 */
import { readFileSync } from 'node:fs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { readTransitionMessage } from '../../alerting/transition-message.ts';
import { clientOptions, DEADLINE_MS } from '../../probes/aws-options.ts';
import { s3ReportReader } from '../../probes/report-reader.ts';
import { consoleLinks, pageText } from '../../render/page.ts';
import { requiredEnv, runbooksFilePath } from '../env.ts';
import { parseSnsEvent } from '../sns-event.ts';

const reportBucket = requiredEnv('REPORT_BUCKET');
const reports = s3ReportReader(reportBucket);
const instance = requiredEnv('INSTANCE_NAME');
const topics = { page: requiredEnv('PAGE_TOPIC_ARN'), monitor: requiredEnv('MONITOR_TOPIC_ARN') };
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

export async function handler(event: unknown): Promise<void> {
  // A malformed event or message throws, naming its fields: Lambda retries it, then sends it to the dead-letter
  // queue (an alarm), rather than dropping a page.
  for (const record of parseSnsEvent(event).Records) {
    const parsed = readTransitionMessage(record.Sns.Message, instance);
    if (parsed.kind === 'ignored') {
      console.log(JSON.stringify({ ignored: parsed.reason }));
      continue;
    }
    const t = parsed.transition;
    // A page without the verdict beats no page: a stored report that cannot be read is logged, and the page goes.
    // A location's silence is about the location, which has no report of its own.
    const report =
      parsed.report ??
      (t.rule.id === 'location-silent'
        ? undefined
        : await reports.latest(t.target).catch((err: unknown) => {
            console.error(JSON.stringify({ target: t.target, reportUnreadable: String(err) }));
            return undefined;
          }));
    const runbook = Object.hasOwn(runbooks, t.target) ? runbooks[t.target] : undefined;
    const runbookUrl = typeof runbook === 'string' ? runbook : undefined;
    const page = pageText(t, report, stateMachineArn, reportPages, {
      runbookUrl,
      console: links,
      incidentSince: parsed.incidentSince,
    });
    const severity = t.rule.severity;
    // A failed publish throws: Lambda retries the event, then sends it to the dead-letter queue (an alarm).
    await sns.send(
      new PublishCommand({
        TopicArn: topics[t.rule.topic],
        Subject: page.subject,
        Message: page.message,
        MessageAttributes: { severity: { DataType: 'String', StringValue: severity } },
      }),
      { abortSignal: AbortSignal.timeout(DEADLINE_MS) },
    );
    console.log(
      JSON.stringify({
        paged: t.alarmName,
        topic: t.rule.topic,
        state: t.state,
        severity,
        verdict: report?.verdict.status ?? null,
      }),
    );
  }
}
