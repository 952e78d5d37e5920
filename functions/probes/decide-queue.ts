/**
 * The home's decide queue (several locations on AWS): a message names a slot of a target to decide, sent by the
 * home's report function with a delay of its wait (the deadline: it decides then with what has come), and by a
 * probe Region's function, at once, when its result completed the slot. SQS delays a message 15 minutes at most.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type AwsEndpoint, clientOptions, DEADLINE_MS } from './aws-options.ts';

/** SQS's longest delay. */
export const MAX_DELAY_SECONDS = 900;

export function sqsDecideQueue(queueUrl: string, o: AwsEndpoint = {}) {
  const client = new SQSClient(clientOptions(o));
  return {
    async send(body: string, delaySeconds = 0): Promise<void> {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds))),
        }),
        { abortSignal: AbortSignal.timeout(DEADLINE_MS) },
      );
    },
    close: () => client.destroy(),
  };
}
export type DecideQueue = Omit<ReturnType<typeof sqsDecideQueue>, 'close'>;
