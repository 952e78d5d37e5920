/**
 * The instance's table (DynamoDB): one item per target holding its state (functions/alerting/target-state.ts), and
 * beside it the history an uptime report reads (a day's runs, a closed incident: functions/alerting/history.ts).
 * Keys: `pk` is the target, `sk` `state`, `day#YYYY-MM-DD` or `incident#START#RULE`. The state is written only on
 * the version read (StateConflictError otherwise); history items expire after HISTORY_DAYS (the table's TTL
 * attribute). dynamoTargetStore is what the functions write with; dynamoHistory what `report --instance` reads
 * with. Every call has a deadline.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type DayStats,
  dayStatsSchema,
  type StoredIncident,
  storedIncidentSchema,
} from '../alerting/history.ts';
import { TABLE_KEYS } from '../alerting/names.ts';
import { type TargetState, targetStateSchema } from '../alerting/target-state.ts';
import { parseWire } from '../contract/wire.ts';
import { type AwsEndpoint, clientOptions, DEADLINE_MS } from './aws-options.ts';

/** How long the day and incident items are kept: a year's uptime report, and a month to spare. */
export const HISTORY_DAYS = 400;
/** The table's TTL attribute (epoch seconds). */
const TTL_ATTRIBUTE = TABLE_KEYS.ttl;
/** BatchGetItem reads at most 100 keys per call. */
const BATCH = 100;

/** Another writer changed the state since it was read: read it again and step again. */
export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

const deadline = () => ({ abortSignal: AbortSignal.timeout(DEADLINE_MS) });
const itemKey = (target: string, sort: string) => ({
  [TABLE_KEYS.partition]: { S: target },
  [TABLE_KEYS.sort]: { S: sort },
});
const stateKey = (target: string) => itemKey(target, 'state');

function stateOf(item: Record<string, { S?: string }> | undefined, target: string): TargetState | undefined {
  const body = item?.body?.S;
  if (body === undefined) return undefined;
  return parseWire(targetStateSchema, JSON.parse(body), `the state of target "${target}"`);
}

export function dynamoTargetStore(table: string, o: AwsEndpoint = {}) {
  const client = new DynamoDBClient(clientOptions(o));
  const put = (item: Record<string, { S: string } | { N: string }>) =>
    client.send(new PutItemCommand({ TableName: table, Item: item }), deadline());
  const expires = (at: Date) => ({ N: String(Math.floor(at.getTime() / 1000) + HISTORY_DAYS * 86_400) });

  return {
    /** The target's state (a strongly consistent read: the latest write), or undefined when it has none. */
    async read(target: string): Promise<TargetState | undefined> {
      const out = await client.send(
        new GetItemCommand({ TableName: table, Key: stateKey(target), ConsistentRead: true }),
        deadline(),
      );
      return stateOf(out.Item, target);
    },

    /** Writes `next` if the stored state is still at `next.version - 1` (or absent, for version 1). */
    async write(target: string, next: TargetState): Promise<void> {
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              ...stateKey(target),
              version: { N: String(next.version) },
              ...(next.lastRunAt ? { lastRunAt: { S: next.lastRunAt } } : {}),
              body: { S: JSON.stringify(next) },
            },
            ConditionExpression: `attribute_not_exists(${TABLE_KEYS.partition}) OR version = :read`,
            ExpressionAttributeValues: { ':read': { N: String(next.version - 1) } },
          }),
          deadline(),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException)
          throw new StateConflictError(`the state of "${target}" changed since it was read`);
        throw err;
      }
    },

    /** The states of many targets (eventually consistent: the plan's view of who ran lately). */
    async readMany(targets: readonly string[]): Promise<Map<string, TargetState>> {
      const states = new Map<string, TargetState>();
      for (let i = 0; i < targets.length; i += BATCH) {
        let keys: Record<string, { S: string }>[] | undefined = targets.slice(i, i + BATCH).map(stateKey);
        for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
          const out = await client.send(
            new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys } } }),
            deadline(),
          );
          for (const item of out.Responses?.[table] ?? []) {
            const target = item[TABLE_KEYS.partition]?.S;
            const state = target === undefined ? undefined : stateOf(item, target);
            if (target !== undefined && state) states.set(target, state);
          }
          keys = out.UnprocessedKeys?.[table]?.Keys as Record<string, { S: string }>[] | undefined;
          if (keys?.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        }
      }
      return states;
    },

    /** A day that ended, as an item of its own (written again, the same, if a write of the state is retried). */
    async putDay(target: string, day: DayStats, at: Date): Promise<void> {
      await put({
        ...itemKey(target, `day#${day.date}`),
        body: { S: JSON.stringify(day) },
        [TTL_ATTRIBUTE]: expires(at),
      });
    },

    /** An incident that ended, keyed by its start and rule. */
    async putIncident(target: string, incident: StoredIncident, at: Date): Promise<void> {
      await put({
        ...itemKey(target, `incident#${incident.start}#${incident.rule}`),
        body: { S: JSON.stringify(incident) },
        [TTL_ATTRIBUTE]: expires(at),
      });
    },

    close: () => client.destroy(),
  };
}
export type TargetStore = Omit<ReturnType<typeof dynamoTargetStore>, 'close'>;

type Item = Record<string, { S?: string }>;

/** What `download-doctor report --instance` reads of the table: the targets, their days and incidents, read-only. */
export function dynamoHistory(table: string, o: AwsEndpoint = {}) {
  const client = new DynamoDBClient(clientOptions(o));
  const body = (item: Item) => JSON.parse(item.body?.S ?? 'null') as unknown;
  /** Every item of a target whose sort key is in [from, to]. */
  async function range(target: string, from: string, to: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partition, '#sk': TABLE_KEYS.sort },
          ExpressionAttributeValues: { ':pk': { S: target }, ':from': { S: from }, ':to': { S: to } },
          ExclusiveStartKey: start as never,
        }),
        deadline(),
      );
      items.push(...((out.Items ?? []) as Item[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  return {
    /** The targets that have a state: every target the instance ran (a scan that keeps only the state items). */
    async targets(): Promise<string[]> {
      const names: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await client.send(
          new ScanCommand({
            TableName: table,
            FilterExpression: '#sk = :state',
            ProjectionExpression: '#pk',
            ExpressionAttributeNames: { '#pk': TABLE_KEYS.partition, '#sk': TABLE_KEYS.sort },
            ExpressionAttributeValues: { ':state': { S: 'state' } },
            ExclusiveStartKey: start as never,
          }),
          deadline(),
        );
        for (const item of out.Items ?? []) {
          const name = item[TABLE_KEYS.partition]?.S;
          // A location's item (several locations) is no target: a target's name never holds `#`.
          if (name !== undefined && !name.includes('#')) names.push(name);
        }
        start = out.LastEvaluatedKey;
      } while (start);
      return names.sort();
    },

    /** The target's state (its open incidents, today's runs), or undefined. */
    async state(target: string): Promise<TargetState | undefined> {
      const out = await client.send(
        new GetItemCommand({ TableName: table, Key: stateKey(target) }),
        deadline(),
      );
      return stateOf(out.Item, target);
    },

    /** The days that ended, from `from` to `to` (`YYYY-MM-DD`, both included). */
    async days(target: string, from: string, to: string): Promise<DayStats[]> {
      return (await range(target, `day#${from}`, `day#${to}`)).map((item) =>
        parseWire(dayStatsSchema, body(item), `a day of target "${target}"`),
      );
    },

    /** The incidents that ended, of those that began before `before`. */
    async closedIncidents(target: string, before: Date): Promise<StoredIncident[]> {
      return (await range(target, 'incident#', `incident#${before.toISOString()}`)).map((item) =>
        parseWire(storedIncidentSchema, body(item), `an incident of target "${target}"`),
      );
    },

    close: () => client.destroy(),
  };
}
export type HistoryTable = Omit<ReturnType<typeof dynamoHistory>, 'close'>;
