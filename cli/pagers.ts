/**
 * Where the local alarm evaluation (`run --publish`, `serve`) sends its pages and recovery notices: the topics of
 * an SNS-compatible endpoint, or a webhook. Each call has a deadline; a failure throws, so that the transition is
 * evaluated again at the next run instead of being forgotten.
 */
import type { Page } from '../functions/core/page.ts';
import type { AlarmRule, AlarmState } from '../functions/core/telemetry.ts';

/** The local topics, by the rule's `topic`: pages for on-call, and the monitor's own health. */
export const LOCAL_TOPICS = { page: 'download-doctor-pages', monitor: 'download-doctor-monitor' } as const;

/** Each request to a pager's endpoint must be answered within this. */
export const PAGER_DEADLINE_MS = 5_000;

export interface Notification {
  alarm: string;
  target: string;
  rule: AlarmRule;
  state: AlarmState;
  at: Date;
  page: Page;
}

export interface Pager {
  /** Where it sends, without any secret (a webhook's path and query are left out). */
  readonly name: string;
  /** Sends one page or notice; resolves with where it went (a topic's ARN, the webhook's host). */
  send(n: Notification): Promise<string>;
  close(): void;
}

/** Publishes to the endpoint's SNS topics (created if missing), as the deployed notifier does. */
export async function snsPager(endpoint: string, region: string): Promise<Pager> {
  const { CreateTopicCommand, PublishCommand, SNSClient } = await import('@aws-sdk/client-sns');
  const sns = new SNSClient({
    endpoint,
    region,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: PAGER_DEADLINE_MS },
  });
  const signal = () => ({ abortSignal: AbortSignal.timeout(PAGER_DEADLINE_MS) });
  const arns = new Map<string, string>();
  return {
    name: `SNS at ${new URL(endpoint).host}`,
    async send(n) {
      const topic = LOCAL_TOPICS[n.rule.topic];
      let arn = arns.get(topic);
      if (!arn) {
        arn = (await sns.send(new CreateTopicCommand({ Name: topic }), signal())).TopicArn ?? '';
        arns.set(topic, arn);
      }
      await sns.send(
        new PublishCommand({ TopicArn: arn, Subject: n.page.subject, Message: n.page.message }),
        signal(),
      );
      return arn;
    },
    close: () => sns.destroy(),
  };
}

/**
 * POSTs each page as JSON: `{ alarm, target, rule, severity, topic, state, at, subject, message }`. Any answer but
 * 2xx is a failure. The URL may carry a secret (a token in its path or query): it is never printed.
 */
export function webhookPager(url: string): Pager {
  const host = new URL(url).host;
  return {
    name: `webhook at ${host}`,
    async send(n) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          alarm: n.alarm,
          target: n.target,
          rule: n.rule.id,
          severity: n.rule.severity,
          topic: n.rule.topic,
          state: n.state,
          at: n.at.toISOString(),
          subject: n.page.subject,
          message: n.page.message,
        }),
        redirect: 'manual',
        signal: AbortSignal.timeout(PAGER_DEADLINE_MS),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the webhook at ${host} answered ${res.status}`);
      return host;
    },
    close: () => {},
  };
}
