/**
 * The home's side of several locations on AWS. The report function writes the home's run into the item of its slot
 * in the slots table (functions/probes/slot-store.ts), where each probe Region writes its own result; the writer
 * whose result completes the slot has it decided at once (the home here, a probe through the decide queue), and
 * the home's write also queues the slot's deadline (its wait, a share of the period): then it is decided with what
 * has come. The decision (functions/alerting/slots.ts) is recorded as a run of the target
 * (./aws-report.ts recordStep), once per slot: the target's state remembers the latest slot decided, and its write
 * is conditional on the version read, so two deciders of one slot step it once between them.
 */
import { type Deployment, slotOfStart, slotRuleOf } from '../alerting/deployment.ts';
import {
  type DecideMessage,
  decideMessageSchema,
  decideSlot,
  dueAt,
  HOME_ATTRIBUTE,
  readiness,
  type SlotRule,
  slotFromItem,
} from '../alerting/slots.ts';
import { type StateStep, stepDecision } from '../alerting/target-state.ts';
import type { Report } from '../contract/types.ts';
import { type Agreement, wireProblems } from '../contract/wire.ts';
import type { DecideQueue } from '../probes/decide-queue.ts';
import type { SlotItem, SlotStore } from '../probes/slot-store.ts';
import { couldCheck } from '../verdict/consensus.ts';
import { type AwsReportDeps, recordStep } from './aws-report.ts';
import type { Telemetry } from './report.ts';

export interface AwsConsensusDeps extends AwsReportDeps {
  slots: SlotStore;
  queue: DecideQueue;
}

/**
 * When a run started: its first check's start, else when it was reported. A confirmed check's first attempt counts
 * (`results` holds the confirmation's, begun a stage 1 and a confirmDelayMs later, possibly in the next slot).
 */
function startOf(report: Report, at: Date): Date {
  const first = [...report.results, ...(report.confirmation?.firstAttempt ?? [])]
    .map((r) => Date.parse(r.startedAt))
    .filter((t) => !Number.isNaN(t));
  return first.length ? new Date(Math.min(...first)) : at;
}

function ruleOf(deployment: Deployment, target: string): SlotRule {
  const rule = slotRuleOf(deployment, target);
  if (!rule) throw new Error('the deployment names no locations: the consensus has nothing to decide');
  return rule;
}

/** The log line of a slot's decision, or of why it was not decided here. */
export function decidedLine(
  target: string,
  slot: string,
  step: StateStep | undefined,
  latest: string | undefined,
  agreement: Agreement,
): Record<string, unknown> {
  if (step && !step.late) return { target, slot, decided: agreement.summary, confirmed: agreement.confirmed };
  const why =
    latest !== undefined && latest > slot
      ? { skipped: `older than the latest decided slot (${latest})` }
      : { decidedAlready: true };
  return { target, slot, ...why, ...(step?.late ? { lateHeardFrom: step.late } : {}) };
}

export function awsConsensus(deps: AwsConsensusDeps) {
  const { deployment } = deps;

  /** The slot decided with its item as it stands, and recorded as a run (once per slot). */
  async function decideItem(target: string, slot: string, item: SlotItem, at: Date): Promise<boolean> {
    const rule = ruleOf(deployment, target);
    const { slot: results, problems } = slotFromItem(item, rule);
    if (problems.length) console.error(JSON.stringify({ target, slot, unreadable: problems }));
    const home = results.home;
    if (!home) return false;
    const decision = decideSlot({ ...results, home }, rule);
    // Heard from: the locations whose results could check (one that cannot is as silent, and named as such).
    const answered = [...results.others].filter(([l, r]) => couldCheck(l, r)).map(([l]) => l);
    let latest: string | undefined;
    const step = await recordStep(deps, decision.report, at, (state, ctx) => {
      latest = state.decided;
      return stepDecision(state, decision.report, slot, answered, at, ctx);
    });
    // Logged by the one decider that stepped the slot; another (the deadline after a complete slot, a late result)
    // says what it did instead.
    console.log(JSON.stringify(decidedLine(target, slot, step, latest, decision.agreement)));
    return step !== undefined && !step.late;
  }

  /** The home's run (the workflow's Report state): into its slot; decided now if it completes it, else queued. */
  const record: NonNullable<Telemetry['record']> = async (report, at) => {
    const rule = ruleOf(deployment, report.target);
    const slot = slotOfStart(deployment, report.target, startOf(report, at));
    const item = await deps.slots.put(
      report.target,
      slot,
      HOME_ATTRIBUTE,
      JSON.stringify({ report, at: at.toISOString() }),
      at,
    );
    const message: DecideMessage = { target: report.target, slot };
    if (readiness(slotFromItem(item, rule).slot, rule, at) === 'complete') {
      // Its decision failing here, nothing else would decide it (no probe queued a slot without the home's run): the
      // decide queue tries it again, then its dead-letter queue says so.
      await decideItem(report.target, slot, item, at).catch(async (err: unknown) => {
        // The decision's error is the run's: a queue that fails too is logged beside it, not in its place.
        await deps.queue.send(JSON.stringify(message), 0).catch((queued: unknown) => {
          console.error(JSON.stringify({ target: report.target, slot, notQueued: String(queued) }));
        });
        throw err;
      });
      return;
    }
    await deps.queue.send(JSON.stringify(message), rule.waitMs / 1000);
  };

  /**
   * A message of the decide queue: the slot's deadline, or a probe that completed it. Decided unless the home's run
   * is not in (its own write decides or queues) or it came early (queued again for what is left of the wait).
   */
  async function onMessage(body: string, now: Date): Promise<void> {
    let json: unknown = body;
    try {
      json = JSON.parse(body);
    } catch {}
    const parsed = wireProblems(decideMessageSchema, json);
    // It will never parse: retried, it would only reach the dead-letter queue, and say a decision failed.
    if (!parsed.ok) {
      const problems = parsed.problems;
      console.error(JSON.stringify({ dropped: 'a decide message', problems, body: body.slice(0, 200) }));
      return;
    }
    const m = parsed.data;
    const rule = ruleOf(deployment, m.target);
    const item = await deps.slots.read(m.target, m.slot);
    if (!item) return;
    const { slot: results } = slotFromItem(item, rule);
    const ready = readiness(results, rule, now);
    if (ready === 'no-home') return;
    if (ready === 'waiting' && results.home) {
      await deps.queue.send(body, (dueAt(results.home.at, rule).getTime() - now.getTime()) / 1000);
      return;
    }
    await decideItem(m.target, m.slot, item, now);
  }

  return { record, onMessage };
}
