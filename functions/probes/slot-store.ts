/**
 * The home's table of slots (several locations on AWS): one item per target and slot, each location's result an
 * attribute of its own (`loc:NAME`, the home's run `home`), written by each location with one UpdateItem (a probe
 * Region writes it across Regions), which answers the item as it stands after the write: the writer sees whether it
 * completed the slot. Items expire a day after their slot (the table's TTL attribute). The decision reads it back
 * (functions/alerting/slots.ts). Every call has a deadline.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../alerting/names.ts';
import { type AwsEndpoint, clientOptions, DEADLINE_MS } from './aws-options.ts';

/** How long a slot's item is kept: a day, for an operator to read what each location sent. */
export const SLOT_TTL_SECONDS = 86_400;

/** A slot's item: its attributes as strings (each location's JSON), the keys and TTL left out. */
export type SlotItem = Record<string, string>;

const deadline = () => ({ abortSignal: AbortSignal.timeout(DEADLINE_MS) });
const KEYS: ReadonlySet<string> = new Set([TABLE_KEYS.partition, TABLE_KEYS.sort, TABLE_KEYS.ttl]);

function itemOf(attributes: Record<string, { S?: string }> | undefined): SlotItem | undefined {
  if (!attributes) return undefined;
  const out: SlotItem = {};
  for (const [name, value] of Object.entries(attributes))
    if (!KEYS.has(name) && value.S !== undefined) out[name] = value.S;
  return out;
}

export function dynamoSlotStore(table: string, o: AwsEndpoint = {}) {
  const client = new DynamoDBClient(clientOptions(o));
  const key = (target: string, slot: string) => ({
    [TABLE_KEYS.partition]: { S: target },
    [TABLE_KEYS.sort]: { S: slot },
  });
  return {
    /** Sets one attribute of the slot's item (a location's result); answers the whole item after the write. */
    async put(target: string, slot: string, attribute: string, body: string, at: Date): Promise<SlotItem> {
      const out = await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key(target, slot),
          UpdateExpression: 'SET #a = :body, #ttl = :ttl',
          ExpressionAttributeNames: { '#a': attribute, '#ttl': TABLE_KEYS.ttl },
          ExpressionAttributeValues: {
            ':body': { S: body },
            ':ttl': { N: String(Math.floor(at.getTime() / 1000) + SLOT_TTL_SECONDS) },
          },
          ReturnValues: 'ALL_NEW',
        }),
        deadline(),
      );
      return itemOf(out.Attributes as Record<string, { S?: string }> | undefined) ?? {};
    },

    /** The slot's item as it stands (a strongly consistent read), or undefined. */
    async read(target: string, slot: string): Promise<SlotItem | undefined> {
      const out = await client.send(
        new GetItemCommand({ TableName: table, Key: key(target, slot), ConsistentRead: true }),
        deadline(),
      );
      return itemOf(out.Item as Record<string, { S?: string }> | undefined);
    },

    close: () => client.destroy(),
  };
}
export type SlotStore = Omit<ReturnType<typeof dynamoSlotStore>, 'close'>;
