/**
 * The self-test's event: a CloudFormation custom resource request, and where to answer it. Pure: schemas and
 * their parse.
 *
 * An unanswered request holds a deployment for an hour, so an event that does not parse is still answered when it
 * can be: `answerTo` reads, leniently, only what a response needs (its URL and the ids it echoes).
 */
import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResourcePropertiesCommon,
} from 'aws-lambda';
import * as z from 'zod/mini';
import { parseEvent } from './events.ts';

/** CloudFormation's presigned URL: http or https (a loopback one in the tests), nothing else. */
const responseUrl = z
  .string()
  .check(z.refine((s) => /^https?:$/.test(URL.parse(s)?.protocol ?? ''), 'expected an http or https URL'));

/** The fields the self-test reads; CloudFormation's others (ServiceToken, OldResourceProperties) pass unread. */
export const customResourceEventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: responseUrl,
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  /** Absent on Create; on Update and Delete, the id the previous answer gave. */
  PhysicalResourceId: z.optional(z.string()),
  ResourceProperties: z.object({ Fingerprint: z.optional(z.string()) }),
});
export type CustomResourceEvent = z.output<typeof customResourceEventSchema>;

/** Compile-time: every request CloudFormation sends (as @types/aws-lambda declares it) fits the schema. */
type Fits<T extends z.input<typeof customResourceEventSchema>> = T;
export type LambdaCustomResourceEvent = Fits<
  CloudFormationCustomResourceEvent<
    CloudFormationCustomResourceResourcePropertiesCommon & { Fingerprint?: string }
  >
>;

/** The event read with the wire contract: a malformed one is an InvalidEventError naming its fields. */
export const parseCustomResourceEvent = (event: unknown): CustomResourceEvent =>
  parseEvent(customResourceEventSchema, event, 'self-test');

/** What a response needs of its request: where to send it, and the ids it echoes (each when the event has it). */
export interface AnswerTo {
  ResponseURL: string;
  StackId?: string | undefined;
  RequestId?: string | undefined;
  LogicalResourceId?: string | undefined;
  PhysicalResourceId?: string | undefined;
}
const answerSchema = z.object({ ResponseURL: responseUrl });

/** Where to answer any event, even one that does not parse; undefined when it has no usable ResponseURL. */
export function answerTo(event: unknown): AnswerTo | undefined {
  const out = answerSchema.safeParse(event);
  if (!out.success) return undefined;
  const fields = event as Record<string, unknown>;
  const echoed = (name: keyof AnswerTo) => {
    const value = fields[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    ResponseURL: out.data.ResponseURL,
    StackId: echoed('StackId'),
    RequestId: echoed('RequestId'),
    LogicalResourceId: echoed('LogicalResourceId'),
    PhysicalResourceId: echoed('PhysicalResourceId'),
  };
}
