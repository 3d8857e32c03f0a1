import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../../adapters/bare-metal';
import { loadConfig } from '../../../core/config';
import { startLocalControlPlane, type LocalControlPlane } from '../../../control/local-server';
import { memoryLog } from '../../../lib/log';
import { PAGE_CSP } from '../../../control/status-page/serve';
import { apiClient } from '../../../cli/api-client';
import { startStatusProxy, type StatusProxy } from '../../../cli/status-proxy';
import { apiHandler } from '../../../functions/api';
import { lambdaContext, urlEvent } from '../../functions/events';
import { awsClusterText, functionWorld } from '../../functions/world';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite';
import { lanCluster } from '../helpers/clusters';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const TOKEN = 'proxy-api-token-0123456789';
let proxy: StatusProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function split(pageUrl: string): { base: string; token: string } {
  const m = /^(http:\/\/127\.0\.0\.1:\d+)\/status#token=([A-Za-z0-9_-]+)$/.exec(pageUrl);
  if (!m) throw new Error(`unexpected page URL ${pageUrl}`);
  return { base: m[1]!, token: m[2]! };
}

describe('ipferry page: the loopback proxy, before a local control plane', () => {
  let cp: LocalControlPlane;
  beforeAll(async () => {
    cp = await startLocalControlPlane({
      config: lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN } }),
      log: memoryLog(),
      listen: '127.0.0.1:0',
      providers: [new BareMetalProvider()],
      reconcileEveryMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await cp.close();
  });

  it('serves the page, forwards the two reads with the API token, and only to holders of its own token', async () => {
    proxy = await startStatusProxy({ client: apiClient({ url: cp.url, token: TOKEN }) });
    const { base, token } = split(proxy.pageUrl);
    const page = await fetch(`${base}/status`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${base}/v1/status`)).status).toBe(401);
    // The API's own token is not the proxy's: a process that knows one cannot use the other.
    expect((await fetch(`${base}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    const status = await fetch(`${base}/v1/status`, { headers: auth });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ cluster: 'mail', nodes: [{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }] });
    expect(await (await fetch(`${base}/v1/events?limit=5`, { headers: auth })).json()).toMatchObject({ events: [] });
    // Nothing that changes state goes through, with any method.
    expect((await fetch(`${base}/v1/drain`, { method: 'POST', headers: auth, body: '{"node":"n1"}' })).status).toBe(
      404,
    );
    expect((await fetch(`${base}/v1/status`, { method: 'POST', headers: auth })).status).toBe(405);
    const after = (await (
      await fetch(`${cp.url}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { nodes: Array<{ draining: boolean }> };
    expect(after.nodes.every((n) => !n.draining)).toBe(true);
  });

  it('listens on loopback only', async () => {
    await expect(startStatusProxy({ client: apiClient({ url: cp.url }), listen: '0.0.0.0:0' })).rejects.toThrow(
      /loopback only/,
    );
  });

  it('says why when the control plane cannot be reached', async () => {
    proxy = await startStatusProxy({ client: apiClient({ url: 'http://127.0.0.1:9', timeoutMs: 2000 }) });
    const { base, token } = split(proxy.pageUrl);
    const res = await fetch(`${base}/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: { reason: 'transient', message: expect.stringMatching(/cannot reach the control plane/) },
    });
  });
});

describe('ipferry page before the Lambda API (aws mode): requests signed with SigV4', () => {
  let dynamo: LocalDynamo;
  let w: Awaited<ReturnType<typeof functionWorld>>;
  let fnUrl: Server;
  const seen: string[] = [];
  beforeAll(async () => {
    dynamo = await startDynalite();
    w = await functionWorld(dynamo);
    // Plays the function URL: AWS would check the signature; here we check one is there, then run the real handler.
    fnUrl = createServer((req, res) => {
      const authz = req.headers.authorization ?? '';
      seen.push(authz);
      if (
        !/^AWS4-HMAC-SHA256 Credential=AKIDPAGETEST\/\d{8}\/eu-central-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.test(
          authz,
        )
      ) {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"Message":"Forbidden"}');
        return;
      }
      const u = new URL(req.url ?? '/', 'http://x');
      apiHandler(
        w.rt,
        urlEvent({
          method: req.method ?? 'GET',
          path: u.pathname,
          query: u.search.slice(1),
          callerArn: 'arn:aws:iam::123456789012:user/ops',
        }),
        lambdaContext(),
      ).then(
        (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers as Record<string, string>).end(r.body);
        },
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((r) => fnUrl.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await new Promise((r) => fnUrl.close(r));
    await w.close();
    await dynamo.close();
  });

  it("forwards /v1/status signed with the operator's credentials", async () => {
    const raw = JSON.parse(awsClusterText()) as { control: Record<string, unknown> };
    const config = loadConfig({
      ...raw,
      control: { ...raw.control, apiUrl: `http://127.0.0.1:${(fnUrl.address() as AddressInfo).port}` },
    });
    const client = apiClient({
      config,
      credentials: async () => ({ accessKeyId: 'AKIDPAGETEST', secretAccessKey: 'secret-for-a-loopback-test' }),
    });
    proxy = await startStatusProxy({ client });
    const { base, token } = split(proxy.pageUrl);
    const res = await fetch(`${base}/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ cluster: 'mail', nodes: [{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }] });
    expect(seen).toHaveLength(1);
  });
});
