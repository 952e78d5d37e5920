/** Publishing to an SNS topic (the alarm topic: the transitions the notifier turns into pages), with a deadline. */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type AwsEndpoint, clientOptions, DEADLINE_MS } from './aws-options.ts';

export function snsPublisher(topicArn: string, o: AwsEndpoint = {}) {
  const client = new SNSClient(clientOptions(o));
  return {
    async publish(message: string): Promise<void> {
      await client.send(new PublishCommand({ TopicArn: topicArn, Message: message }), {
        abortSignal: AbortSignal.timeout(DEADLINE_MS),
      });
    },
    close: () => client.destroy(),
  };
}
