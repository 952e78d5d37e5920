/**
 * How a step of a target's state is settled on AWS: read the state, step it, write it on the version read (read
 * and step again on a conflict: two runs that end together both count, and neither pages twice), then send the
 * transitions; one that could not be sent is forgotten (its alarm back to the state before), so that the next run
 * evaluates it again, as `serve` and `run --publish` do.
 *
 * History never stands between a transition and its page: a day the step closed is written before the state that
 * moves past it (its key makes the write idempotent, and a failure leaves the state as it was, so the next run
 * closes the day again); the incidents it closed are written after the sends, but for one whose recovery notice
 * could not be sent (it stays open); a failure to write them is thrown once every transition has gone out.
 */
import {
  forget,
  newTargetState,
  type StateStep,
  type TargetState,
  type Transition,
} from '../alerting/target-state.ts';
import { StateConflictError, type TargetStore } from '../probes/target-store.ts';

/** Attempts of a write that conflicts: two runs of one target rarely end within the same few milliseconds. */
export const WRITE_ATTEMPTS = 5;

export interface Settled {
  /** Undefined when there was nothing to step (a slot decided already). */
  step?: StateStep | undefined;
  /** The transitions sent. */
  sent: Transition[];
  /** The transitions that could not be sent, and were forgotten. */
  failed: { transition: Transition; error: string }[];
}

async function retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof StateConflictError) || i >= WRITE_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 10 * i + Math.random() * 20));
      console.log(JSON.stringify({ conflict: what, attempt: i }));
    }
  }
}

export async function settle(
  store: TargetStore,
  target: string,
  at: Date,
  step: (state: TargetState) => StateStep | undefined,
  send: (t: Transition) => Promise<void>,
  /** Before the state is written (each attempt): what must exist when it does (the report, when stored). */
  beforeWrite: (s: StateStep) => Promise<void> = async () => {},
): Promise<Settled> {
  let before = newTargetState();
  const stepped = await retrying(target, async () => {
    before = (await store.read(target)) ?? newTargetState();
    const s = step(before);
    if (!s) return undefined;
    await beforeWrite(s);
    if (s.closedDay) await store.putDay(target, s.closedDay, at);
    await store.write(target, s.next);
    return s;
  });
  if (!stepped) return { sent: [], failed: [] };
  const sent: Transition[] = [];
  const failed: Settled['failed'] = [];
  for (const t of stepped.transitions) {
    if (!t.delivery.send) continue;
    try {
      await send(t);
      sent.push(t);
    } catch (err) {
      failed.push({ transition: t, error: String((err as Error).message ?? err) });
    }
  }
  if (failed.length) {
    const lost = failed.map((f) => f.transition);
    await retrying(target, async () => {
      const now = (await store.read(target)) ?? newTargetState();
      await store.write(target, forget(now, before, lost));
    });
  }
  const reopened = new Set(failed.map((f) => f.transition.step.rule.id));
  let historyError: unknown;
  for (const incident of stepped.closedIncidents) {
    if (reopened.has(incident.rule)) continue;
    await store.putIncident(target, incident, at).catch((err: unknown) => {
      historyError ??= err;
    });
  }
  if (historyError !== undefined) throw historyError;
  return { step: stepped, sent, failed };
}
