import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Read and write request units, as on-demand DynamoDB bills them. */
export interface Capacity {
  rru: number;
  wru: number;
  /** Requests, by operation: to explain a bill, not to price it. */
  calls: Record<string, number>;
}

const READS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

type Consumed = { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;

/**
 * Asks DynamoDB (here dynalite) for `ReturnConsumedCapacity: TOTAL` on every request of this
 * client, without the store knowing, and adds what comes back to `into`. Where dynalite's
 * answer differs from DynamoDB's bill, DynamoDB's rule wins:
 *   - a Query that returns nothing: dynalite says 0, DynamoDB bills the minimum (0.5 RRU
 *     eventually consistent, 1 strongly consistent);
 *   - a conditional write that fails: dynalite returns no capacity with the error, DynamoDB
 *     still bills the write (at least 1 WRU).
 * Sizes are otherwise dynalite's: 4 KB per RRU (half for eventually consistent reads, a Query
 * summing its items before rounding), 1 KB per WRU, the larger of the old and new item.
 */
export function countCapacity(client: DynamoDBClient, into: Capacity): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Record<string, unknown>;
      const isRead = READS.has(command);
      const isWrite = WRITES.has(command);
      if (isRead || isWrite) input.ReturnConsumedCapacity = 'TOTAL';
      into.calls[command] = (into.calls[command] ?? 0) + 1;
      try {
        const out = await next(args);
        const units = sumUnits((out.output as { ConsumedCapacity?: Consumed }).ConsumedCapacity);
        const minimum = command === 'QueryCommand' ? (input.ConsistentRead ? 1 : 0.5) : 0;
        if (isRead) into.rru += Math.max(units, minimum);
        if (isWrite) into.wru += units;
        return out;
      } catch (err) {
        if (isWrite && (err as { name?: string }).name === 'ConditionalCheckFailedException') into.wru += 1;
        throw err;
      }
    },
    { step: 'initialize', name: 'ipferryBenchConsumedCapacity', override: true },
  );
}

function sumUnits(consumed: Consumed): number {
  if (consumed === undefined) return 0;
  const all = Array.isArray(consumed) ? consumed : [consumed];
  return all.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

export function emptyCapacity(): Capacity {
  return { rru: 0, wru: 0, calls: {} };
}
