/** What the handlers share: their type, and how each reads its event (the wire contract's parse). */
import * as z from 'zod/mini';
import { InvalidEventError, WireFormatError } from '../contract/errors.ts';
import { parseWire } from '../contract/wire.ts';
import type { HandlerName } from '../contract/workflow.ts';

export type Handler = (event: unknown) => Promise<unknown>;

/** What every handler's event names first: the target, by name (the deployed config resolves it). */
export const targetEvent = z.object({ target: z.string().check(z.minLength(1)) });

/** What receives an event: a Task state's handler, or a function beside the workflow. */
export type EventReader = HandlerName | 'notifier' | 'self-test' | 'plan' | 'probe';

/** Reads a handler's event with the wire contract's parse; a bad one names every bad field. */
export function parseEvent<S extends z.ZodMiniType>(
  schema: S,
  event: unknown,
  handler: EventReader,
): z.output<S> {
  try {
    return parseWire(schema, event, `the ${handler} event`);
  } catch (err) {
    if (err instanceof WireFormatError) throw new InvalidEventError(err.what, err.problems);
    throw err;
  }
}
