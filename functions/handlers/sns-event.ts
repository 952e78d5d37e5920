/**
 * The notifier's event: Lambda's SNS event, of which the notifier reads each record's message (the alarm's JSON,
 * read in turn by functions/alerting/transition-message.ts). Pure: a schema and its parse.
 */
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { parseEvent } from './events.ts';

/** The part of the event the notifier reads; Lambda's other fields pass unread. */
export const snsEventSchema = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) })),
});
export type SnsEvent = z.output<typeof snsEventSchema>;

/** Compile-time: every event Lambda sends (as @types/aws-lambda declares it) fits the schema. */
type Fits<T extends z.input<typeof snsEventSchema>> = T;
export type LambdaSnsEvent = Fits<SNSEvent>;

/** The event read with the wire contract: a malformed one is an InvalidEventError naming its fields. */
export const parseSnsEvent = (event: unknown): SnsEvent => parseEvent(snsEventSchema, event, 'notifier');
