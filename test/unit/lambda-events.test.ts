/**
 * The events of the functions beside the workflow, read with the wire contract as every handler's: the notifier's
 * SNS event and the self-test's custom resource request (functions/handlers/sns-event.ts,
 * custom-resource-event.ts).
 */
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../functions/contract/errors.ts';
import { answerTo, parseCustomResourceEvent } from '../../functions/handlers/custom-resource-event.ts';
import { parseSnsEvent } from '../../functions/handlers/sns-event.ts';

/** An SNS event as Lambda delivers it (abridged only in the values). */
const snsEvent = (message: unknown = '{"AlarmName":"a"}') => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:111122223333:alarms:1',
      Sns: {
        Type: 'Notification',
        MessageId: 'm-1',
        TopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
        Subject: 'ALARM: "download-doctor-prod-down"',
        Message: message,
        Timestamp: '2026-11-24T00:10:00.000Z',
        MessageAttributes: {},
      },
    },
  ],
});

/** What the parse throws, or undefined. */
function thrown(parse: () => unknown): Error | undefined {
  try {
    parse();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

describe("the notifier's SNS event", () => {
  it('reads each record’s message, and drops what it does not read', () => {
    expect(parseSnsEvent(snsEvent())).toEqual({ Records: [{ Sns: { Message: '{"AlarmName":"a"}' } }] });
  });

  it.each([
    ['no Records', {}, 'the notifier event is malformed: Records: expected array, got nothing'],
    [
      'a record without Message',
      { Records: [{ Sns: { Subject: 's' } }] },
      'the notifier event is malformed: Records[0].Sns.Message: expected string, got nothing',
    ],
    [
      'a Message that is not a string',
      snsEvent({ AlarmName: 'a' }),
      'the notifier event is malformed: Records[0].Sns.Message: expected string, got object',
    ],
    ['not an object', 'ALARM', 'the notifier event is malformed: (root): expected object, got string'],
  ])('refuses %s, naming the field', (_name, event, message) => {
    const err = thrown(() => parseSnsEvent(event));
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err?.message).toBe(message);
  });
});

describe("the self-test's custom resource request", () => {
  const base = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:self-test',
    ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.example.com/r?X-Amz-Signature=x',
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/dd/1',
    RequestId: 'req-1',
    LogicalResourceId: 'SelfTest',
    ResourceType: 'Custom::DownloadDoctorSelfTest',
    ResourceProperties: { ServiceToken: 'arn', Fingerprint: 'aaa' },
  };

  it.each([
    ['Create', { ...base, RequestType: 'Create' }],
    [
      'Update',
      {
        ...base,
        RequestType: 'Update',
        PhysicalResourceId: 'download-doctor-self-test-old',
        OldResourceProperties: { ServiceToken: 'arn', Fingerprint: 'old' },
      },
    ],
    ['Delete', { ...base, RequestType: 'Delete', PhysicalResourceId: 'download-doctor-self-test-aaa' }],
  ])('reads a valid %s request', (type, event) => {
    const parsed = parseCustomResourceEvent(event);
    expect(parsed).toMatchObject({
      RequestType: type,
      ResponseURL: base.ResponseURL,
      StackId: base.StackId,
      RequestId: 'req-1',
      LogicalResourceId: 'SelfTest',
      ResourceProperties: { Fingerprint: 'aaa' },
    });
    expect(parsed.PhysicalResourceId).toBe(
      'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined,
    );
  });

  it('refuses a request without a ResponseURL, naming it, and then has nowhere to answer', () => {
    const { ResponseURL: _, ...event } = { ...base, RequestType: 'Create' };
    const err = thrown(() => parseCustomResourceEvent(event));
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err?.message).toBe('the self-test event is malformed: ResponseURL: expected string, got nothing');
    expect(answerTo(event)).toBeUndefined();
  });

  it('refuses an unknown RequestType, yet knows where to answer it (FAILED, not an hour of silence)', () => {
    const event = { ...base, RequestType: 'Replace', PhysicalResourceId: 'p-1' };
    expect(thrown(() => parseCustomResourceEvent(event))?.message).toMatch(
      /^the self-test event is malformed: RequestType: /,
    );
    expect(answerTo(event)).toEqual({
      ResponseURL: base.ResponseURL,
      StackId: base.StackId,
      RequestId: 'req-1',
      LogicalResourceId: 'SelfTest',
      PhysicalResourceId: 'p-1',
    });
  });

  it.each([
    ['not http(s)', 'file:///etc/passwd'],
    ['not a URL', 'somewhere'],
  ])('has nowhere to answer when the ResponseURL is %s', (_name, url) => {
    expect(answerTo({ ...base, ResponseURL: url })).toBeUndefined();
    expect(
      thrown(() => parseCustomResourceEvent({ ...base, RequestType: 'Create', ResponseURL: url })),
    ).toBeInstanceOf(InvalidEventError);
  });

  it('answers even when the ids it echoes are not strings: they are left out', () => {
    expect(answerTo({ ResponseURL: base.ResponseURL, StackId: 7, RequestId: 'r' })).toMatchObject({
      ResponseURL: base.ResponseURL,
      RequestId: 'r',
      StackId: undefined,
    });
  });
});
