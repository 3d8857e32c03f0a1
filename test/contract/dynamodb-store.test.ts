import { afterAll, beforeAll } from 'vitest';
import { DynamoDbStore } from '../../adapters/dynamodb-store';
import { startDynalite, type LocalDynamo } from '../control/helpers/dynalite';
import { storeContract } from './store-contract';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

storeContract('DynamoDbStore (dynalite, real SDK)', async () => {
  const store = new DynamoDbStore({ client: dynamo.client, table: await dynamo.newTable() });
  return { store, close: () => store.flush() };
});
