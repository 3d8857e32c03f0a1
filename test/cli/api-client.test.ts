import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';
import { apiClient } from '../../cli/api-client';
import { signRequest } from '../../cli/sigv4';
import { hetznerClusterInput } from '../control/helpers/clusters';

let url: string;
const seen: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example', sessionToken: 'session-example' };

describe('apiClient', () => {
  it("aws mode: signs for the function URL's IAM auth (service lambda, the control region)", async () => {
    const config = loadConfig(
      hetznerClusterInput({ control: { mode: 'aws', region: 'eu-central-1', apiUrl: `${url}/` } }),
    );
    const client = apiClient({ config, credentials: async () => creds, env: {} });
    expect(await client.request('POST', '/v1/drain', { node: 'n1' })).toEqual({ status: 200, body: { ok: true } });
    const got = seen.at(-1)!;
    expect(got).toMatchObject({ method: 'POST', path: '/v1/drain', body: '{"node":"n1"}' });
    const amzDate = String(got.headers['x-amz-date']);
    const again = signRequest({
      method: 'POST',
      url: new URL(`${url}/v1/drain`),
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: got.body,
      region: 'eu-central-1',
      service: 'lambda',
      credentials: creds,
      now: new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
      ),
    });
    expect(got.headers.authorization).toBe(again.authorization);
    expect(got.headers['x-amz-security-token']).toBe('session-example');
  });

  it('local mode: the bearer token from the flag, the environment or the config, in that order', async () => {
    const config = loadConfig(
      hetznerClusterInput({ control: { mode: 'local', url, apiToken: 'config-token-0123456789' } }),
    );
    await apiClient({ config, env: {} }).request('GET', '/v1/status');
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer config-token-0123456789');
    await apiClient({ config, env: { IPFERRY_API_TOKEN: 'env-token' } }).request('GET', '/v1/status');
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer env-token');
    await apiClient({ config, token: 'flag-token', env: { IPFERRY_API_TOKEN: 'env-token' } }).request(
      'GET',
      '/v1/status',
    );
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer flag-token');
  });

  it('says why there is no URL', () => {
    const aws = loadConfig(hetznerClusterInput({ control: { mode: 'aws', region: 'eu-central-1' } }));
    expect(() => apiClient({ config: aws, env: {} })).toThrow(
      'no control plane URL: the config has no control.apiUrl (known after cdk deploy)',
    );
    expect(() => apiClient({ env: {} })).toThrow('give --url or --config');
  });
});
