/**
 * The report function's other event (several locations on AWS): Lambda's SQS event of the decide queue, whose
 * records' bodies are read in turn by functions/handlers/aws-consensus.ts. Pure: a schema and its test.
 */
import type { SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';

export const sqsEventSchema = z.object({
  Records: z
    .array(z.object({ eventSource: z.string().check(z.regex(/^aws:sqs$/)), body: z.string() }))
    .check(z.minLength(1)),
});
export type SqsEvent = z.output<typeof sqsEventSchema>;

/** Compile-time: every event Lambda sends (as @types/aws-lambda declares it) fits the schema. */
type Fits<T extends z.input<typeof sqsEventSchema>> = T;
export type LambdaSqsEvent = Fits<SQSEvent>;

/** Whether an event is the decide queue's (every record from SQS), not a workflow's Report state. */
export const isSqsEvent = (event: unknown): event is SqsEvent => sqsEventSchema.safeParse(event).success;
