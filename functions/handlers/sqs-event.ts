/**
 * The report function's other event (several locations on AWS): Lambda's SQS event of the decide queue, whose
 * records' bodies are read in turn by functions/handlers/aws-consensus.ts. Pure: a schema, and each record handled
 * on its own (a partial batch response: only the records that failed are delivered again).
 */
import type { SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';

export const sqsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.string().check(z.regex(/^aws:sqs$/)),
        messageId: z.string(),
        body: z.string(),
      }),
    )
    .check(z.minLength(1)),
});
export type SqsEvent = z.output<typeof sqsEventSchema>;

/** Compile-time: every event Lambda sends (as @types/aws-lambda declares it) fits the schema. */
type Fits<T extends z.input<typeof sqsEventSchema>> = T;
export type LambdaSqsEvent = Fits<SQSEvent>;

/** Whether an event is the decide queue's (every record from SQS), not a workflow's Report state. */
export const isSqsEvent = (event: unknown): event is SqsEvent => sqsEventSchema.safeParse(event).success;

/** Lambda's partial batch response (the event source's `reportBatchItemFailures`): the records to deliver again. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Each record handled in turn, one's failure not another's: a record whose handling throws is logged and named in
 * the response, so that SQS delivers only it again (then to the dead-letter queue after its receives).
 */
export async function eachRecord(
  event: SqsEvent,
  handle: (body: string) => Promise<void>,
): Promise<BatchResponse> {
  const batchItemFailures: BatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await handle(record.body);
    } catch (err) {
      console.error(
        JSON.stringify({ messageId: record.messageId, failed: String((err as Error)?.message ?? err) }),
      );
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
