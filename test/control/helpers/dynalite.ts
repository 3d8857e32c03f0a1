import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import dynalite from 'dynalite';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '../../../adapters/dynamodb-store';

/** A dynalite server in this process on a free loopback port, and real SDK clients pointed at it. */
export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  /** A fresh, empty table (a new name each time, so tests never share state). */
  newTable(): Promise<string>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2 });
  return {
    endpoint,
    client,
    async newTable() {
      const name = `ipferry-test-${randomBytes(4).toString('hex')}`;
      await createTable(client, name);
      return name;
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
