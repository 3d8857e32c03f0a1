import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Secrets Manager's GetSecretValue as the AWS SDK speaks it (JSON 1.1, `X-Amz-Target:
 * secretsmanager.GetSecretValue`), for bundles that read their secrets the way they would in
 * Lambda: through the SDK, pointed here by AWS_ENDPOINT_URL_SECRETS_MANAGER. Every other call is
 * refused, so a bundle that starts calling something else fails the test instead of passing it.
 */
export class SecretsManagerStub {
  /** The SecretId of every GetSecretValue, in order. */
  readonly reads: string[] = [];
  private readonly server: Server;

  constructor(private readonly secrets: ReadonlyMap<string, string>) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(body));
        };
        const target = req.headers['x-amz-target'];
        if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue')
          return reply(400, { __type: 'InvalidRequestException', message: `not served here: ${String(target)}` });
        let id: unknown;
        try {
          id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId;
        } catch {
          return reply(400, { __type: 'InvalidRequestException', message: 'body is not JSON' });
        }
        if (typeof id !== 'string')
          return reply(400, { __type: 'InvalidParameterException', message: 'SecretId is required' });
        this.reads.push(id);
        const value = this.secrets.get(id);
        if (value === undefined)
          return reply(400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          });
        reply(200, {
          ARN: id,
          Name: id.split(':').at(-1),
          SecretString: value,
          VersionId: '00000000-0000-4000-8000-000000000001',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_700_000_000,
        });
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
