import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '../../../adapters/dynamodb-store';

/** A dynalite server in this process on a free loopback port, and a real SDK client pointed at it. */
export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  /** A fresh, empty table (a new name each time, so tests never share state). */
  newTable(): Promise<string>;
  close(): Promise<void>;
}

// dynalite runs on a worker thread of this process: in the same event loop as the control plane,
// the emulators and the test agents it would be the bottleneck of every end-to-end timing.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalite);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.on('error', (err) => parentPort.postMessage({ error: String(err) }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => { if (m === 'close') server.close(() => parentPort.postMessage({ closed: true })); });
`;

export async function startDynalite(): Promise<LocalDynamo> {
  const dynalitePath = createRequire(import.meta.url).resolve('dynalite');
  const worker = new Worker(WORKER, { eval: true, workerData: { dynalite: dynalitePath } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(m.error)),
    );
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  });
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
      const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('close');
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}
