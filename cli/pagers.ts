/**
 * How the local alarm evaluation (`run --publish`, `serve`) delivers its transitions (deliverTransitions: each
 * stepped, then sent or held back by functions/alerting/alarms.ts), and where: the topics of an SNS-compatible
 * endpoint, or a webhook. Each call has a deadline; a failure throws, so that the transition is evaluated again at
 * the next run instead of being forgotten. No SDK loads unless an SNS pager is made.
 */
import {
  type AlarmMemory,
  type AlarmStep,
  deliveryOf,
  isTransition,
  remembered,
  stepAlarms,
} from '../functions/alerting/alarms.ts';
import type { Datum } from '../functions/alerting/metrics.ts';
import type { InstanceNames } from '../functions/alerting/names.ts';
import { type AlarmRule, type AlarmState, TARGET_ALARMS } from '../functions/alerting/rules.ts';
import type { Report } from '../functions/contract/types.ts';
import { type Page, pageText } from '../functions/render/page.ts';

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

/**
 * Many pagers as one: every page goes to each of them, at once. It is delivered when any pager delivered it (the
 * others' failures are logged, by the pager's name, and said in where it went): one broken pager must neither
 * hold a page back nor make it go again to the others at every run. It fails only when every pager failed. None
 * configured: the page is only logged and kept.
 */
export function fanOut(pagers: readonly Pager[], log: (line: string) => void = () => {}): Pager {
  return {
    name: pagers.map((p) => p.name).join(', ') || 'no pager',
    async send(n) {
      if (!pagers.length) return 'the log only';
      const settled = await Promise.allSettled(pagers.map((p) => p.send(n)));
      const failed = settled.flatMap((s, i) =>
        s.status === 'rejected'
          ? [`${pagers[i]?.name}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`]
          : [],
      );
      const delivered = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      if (!delivered.length) throw new Error(failed.join('; '));
      for (const f of failed) log(`  not delivered by ${f} (delivered by the others): ${n.page.subject}`);
      return `${delivered.join(', ')}${failed.length ? ` (not delivered by ${failed.join('; ')})` : ''}`;
    },
    close: () => {
      for (const p of pagers) p.close();
    },
  };
}

/** A transition: sent (to `where`), or not sent for `suppressed`'s reason. */
export interface Sent {
  alarm: string;
  state: AlarmState;
  page: Page;
  where?: string;
  suppressed?: string;
}

/**
 * The transitions of one run's alarms, each sent through `pager` or suppressed (functions/alerting/alarms.ts), and
 * the memory to keep. A transition whose page failed is not remembered: it is evaluated again at the next run.
 * `onState` sees each alarm whose remembered state changes (to mirror it elsewhere), before its page goes;
 * `incidentSince` says when an alarm's open incident began, for its recovery notice to say how long it lasted.
 */
export async function deliverTransitions(
  memory: AlarmMemory,
  target: string,
  report: Report | undefined,
  data: readonly Datum[],
  pager: Pager,
  at: Date,
  names: InstanceNames,
  onState: (step: AlarmStep, state: AlarmState, reason: string) => Promise<void> = async () => {},
  incidentSince: (alarm: string) => Date | undefined = () => undefined,
  rules: readonly AlarmRule[] = TARGET_ALARMS,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (const step of stepAlarms(memory, target, data, names, rules, report)) {
    if (!isTransition(step)) {
      memory[step.name] = remembered(step, { send: true });
      continue;
    }
    const t = { alarmName: step.name, target, rule: step.rule, state: step.state, at };
    const delivery = deliveryOf(t, report, rules);
    const next = remembered(step, delivery);
    const page = pageText(t, report, undefined, undefined, {
      incidentSince: step.state === 'OK' ? incidentSince(step.name) : undefined,
    });
    if (next.state !== step.previous)
      await onState(step, next.state, delivery.send ? 'local evaluation' : delivery.reason);
    if (delivery.send)
      sent.push({
        alarm: step.name,
        state: step.state,
        page,
        where: await pager.send({ alarm: step.name, target, rule: step.rule, state: step.state, at, page }),
      });
    else sent.push({ alarm: step.name, state: step.state, page, suppressed: delivery.reason });
    memory[step.name] = next;
  }
  return sent;
}
