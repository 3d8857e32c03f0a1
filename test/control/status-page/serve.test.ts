import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../../control/local-server';
import { memoryLog } from '../../../lib/log';
import { PAGE_CSP, statusPageResponse } from '../../../control/status-page/serve';
import { apiHandler } from '../../../functions/api';
import { BUNDLE_PATH, statusPageBundle } from '../../../scripts/build-status-page';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite';
import { lanCluster } from '../helpers/clusters';
import { lambdaContext, urlEvent } from '../../functions/events';
import { functionWorld } from '../../functions/world';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const TOKEN = 'page-token-0123456789abcdef';
const REQUIRED = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

describe('status page assets', () => {
  it('the committed script bundle is what client.ts and the view model build to', async () => {
    // Stale means the page runs other code than the one tested: rebuild with `npm run build:page`.
    expect(readFileSync(BUNDLE_PATH, 'utf8')).toBe(await statusPageBundle());
  });

  it('the CSP allows only this origin, no inline code, no framing', () => {
    expect(PAGE_CSP).toContain("default-src 'self'");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(PAGE_CSP).not.toContain('unsafe-inline');
    expect(PAGE_CSP).not.toContain('unsafe-eval');
  });

  it.each([
    ['GET', '/status', 200, 'text/html; charset=utf-8'],
    ['GET', '/status/', 200, 'text/html; charset=utf-8'],
    ['HEAD', '/status/page.js', 200, 'text/javascript; charset=utf-8'],
    ['GET', '/status/page.css', 200, 'text/css; charset=utf-8'],
    ['GET', '/status/../v1/status', 404, 'text/plain; charset=utf-8'],
    ['POST', '/status', 405, 'text/plain; charset=utf-8'],
  ])('%s %s → %d with the security headers', (method, path, code, type) => {
    const r = statusPageResponse(method, path)!;
    expect(r.status).toBe(code);
    expect(r.headers).toMatchObject({ ...REQUIRED, 'content-type': type, 'content-security-policy': PAGE_CSP });
    if (method === 'HEAD') expect(r.body).toBe('');
  });

  it("other paths are not the page's", () => {
    for (const p of ['/', '/v1/status', '/statusx', '/v1/status/page.js'])
      expect(statusPageResponse('GET', p)).toBeUndefined();
  });

  it('the markup carries no inline script, style or event handler', () => {
    const html = statusPageResponse('GET', '/status')!.body;
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=|<style/i);
  });
});

describe('status page on the local control plane', () => {
  let cp: LocalControlPlane;
  beforeAll(async () => {
    const config = lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN } });
    cp = await startLocalControlPlane({
      config,
      log: memoryLog(),
      listen: '127.0.0.1:0',
      providers: [new BareMetalProvider()],
      reconcileEveryMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await cp.close();
  });

  it('serves the page without the token, with the headers; the data only with it', async () => {
    for (const path of ['/status', '/status/page.js', '/status/page.css']) {
      const res = await fetch(`${cp.url}${path}`);
      expect(res.status).toBe(200);
      for (const [k, v] of Object.entries({ ...REQUIRED, 'content-security-policy': PAGE_CSP }))
        expect(res.headers.get(k)).toBe(v);
      const body = await res.text();
      // Static: nothing of the cluster is in it.
      expect(body).not.toMatch(/mail|n1|smtp|198\.18/);
    }
    const refused = await fetch(`${cp.url}/v1/status`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toMatch(/n1|smtp/);
    const ok = await fetch(`${cp.url}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { cluster: string }).cluster).toBe('mail');
  });
});

describe('status page behind the Lambda function URL', () => {
  let dynamo: LocalDynamo;
  let w: Awaited<ReturnType<typeof functionWorld>>;
  beforeAll(async () => {
    dynamo = await startDynalite();
    w = await functionWorld(dynamo);
  });
  afterAll(async () => {
    await w.close();
    await dynamo.close();
  });

  it('the API function serves the same assets and headers (AWS checks the signature before)', async () => {
    const res = await apiHandler(w.rt, urlEvent({ method: 'GET', path: '/status/page.js' }), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      ...REQUIRED,
      'content-security-policy': PAGE_CSP,
      'content-type': 'text/javascript; charset=utf-8',
    });
    expect(res.body).toBe(statusPageResponse('GET', '/status/page.js')!.body);
    const status = await apiHandler(w.rt, urlEvent({ method: 'GET', path: '/v1/status' }), lambdaContext());
    expect(status.statusCode).toBe(200);
  });
});
