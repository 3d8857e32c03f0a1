import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeaseResult } from '../../core/ports';
import { isConditionFailed, storeError } from './errors';
import { groupPk, LEASE_SK } from './keys';

/**
 * The tick lease: a conditional put with an expiry (the Powertools idempotency / lock pattern).
 * Taken when free, expired or already ours; given back only by its owner.
 */
export async function acquireLease(
  doc: DynamoDBDocumentClient,
  table: string,
  group: string,
  lease: { owner: string; ttlMs: number; now: number },
): Promise<LeaseResult> {
  const expiresAt = lease.now + lease.ttlMs;
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: groupPk(group), sk: LEASE_SK, owner: lease.owner, expiresAt },
        ConditionExpression: 'attribute_not_exists(sk) OR expiresAt < :now OR #owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':now': lease.now, ':me': lease.owner },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { ok: true, expiresAt };
  } catch (err) {
    if (!isConditionFailed(err)) throw storeError('PutItem lease', err);
    // DynamoDB returns the holder with the failure; emulators that do not get one read it.
    const held = err.Item ?? (await readLease(doc, table, group));
    return { ok: false, holder: String(held?.owner ?? 'unknown'), expiresAt: Number(held?.expiresAt ?? 0) };
  }
}

async function readLease(
  doc: DynamoDBDocumentClient,
  table: string,
  group: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const r = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': groupPk(group), ':sk': LEASE_SK },
        ConsistentRead: true,
      }),
    );
    return r.Items?.[0];
  } catch (err) {
    throw storeError('Query lease', err);
  }
}

export async function releaseLease(
  doc: DynamoDBDocumentClient,
  table: string,
  group: string,
  owner: string,
): Promise<void> {
  try {
    await doc.send(
      new DeleteCommand({
        TableName: table,
        Key: { pk: groupPk(group), sk: LEASE_SK },
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':me': owner },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw storeError('DeleteItem lease', err);
  }
}
