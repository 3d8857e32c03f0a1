import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, runCheck } from '../../../agent/checks';
import { closedPort } from '../../helpers/closed-port';
import { activeResources, leakedSince } from '../../helpers/handles';
import { startHttpServer, type HttpServer } from '../../helpers/http-server';
import { makeCert, type TestCert } from '../../helpers/tls-cert';
import { spec } from './specs';

const routes = {
  '/health': { status: 200, body: 'status: ok\n' },
  '/moved': { status: 302, body: '' },
  '/down': { status: 503, body: 'maintenance' },
  '/big': { status: 200, body: `${'x'.repeat(MAX_BODY_BYTES)}needle` },
  '/slow': { status: 200, body: 'late', delayMs: 2000 },
};

describe('http check', () => {
  let server: HttpServer;
  beforeAll(async () => {
    server = await startHttpServer(routes);
  });
  afterAll(() => server.close());

  async function check(input: Record<string, unknown>) {
    const before = activeResources();
    const outcome = await runCheck(spec({ kind: 'http', ...input }));
    expect(await leakedSince(before)).toEqual({}); // no keep-alive socket left on either side
    expect(server.open()).toBe(0);
    return outcome;
  }

  it('is healthy on 200 with the expected body', async () => {
    const outcome = await check({ target: server.url('/health'), expectBody: 'status: ok' });
    expect(outcome).toMatchObject({ ok: true, detail: "GET /health answered 200, body contains 'status: ok'" });
  });

  it('accepts 2xx and 3xx by default and does not follow redirects', async () => {
    const before = server.requests.length;
    expect(await check({ target: server.url('/moved') })).toMatchObject({
      ok: true,
      detail: 'GET /moved answered 302',
    });
    expect(server.requests.slice(before)).toEqual(['GET /moved']);
  });

  it('fails on a status outside the default range', async () => {
    expect(await check({ target: server.url('/down') })).toMatchObject({
      ok: false,
      detail: 'GET /down answered 503, expected 200-399',
    });
  });

  it('uses expectStatus when given', async () => {
    expect(await check({ target: server.url('/down'), expectStatus: [503] })).toMatchObject({ ok: true });
    expect(await check({ target: server.url('/moved'), expectStatus: [200, 204] })).toMatchObject({
      ok: false,
      detail: 'GET /moved answered 302, expected one of 200, 204',
    });
  });

  it('sends HEAD when asked', async () => {
    const before = server.requests.length;
    expect(await check({ target: server.url('/health'), method: 'HEAD' })).toMatchObject({ ok: true });
    expect(server.requests.slice(before)).toEqual(['HEAD /health']);
  });

  it('fails when the body lacks the expected text', async () => {
    expect(await check({ target: server.url('/health'), expectBody: 'status: degraded' })).toMatchObject({
      ok: false,
      detail: "body does not contain 'status: degraded' (searched 11 bytes)",
    });
  });

  it('searches only the first 64 KiB of a body', async () => {
    expect(await check({ target: server.url('/big'), expectBody: 'needle' })).toMatchObject({
      ok: false,
      detail: `body does not contain 'needle' (searched the first ${MAX_BODY_BYTES} bytes)`,
    });
  });

  it('times out waiting for a slow response', async () => {
    const outcome = await check({ target: server.url('/slow'), timeout: 300 });
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 300ms in response' });
  });

  it('fails with the connect error when nothing listens', async () => {
    const port = await closedPort();
    const outcome = await runCheck(spec({ kind: 'http', target: `http://127.0.0.1:${port}/` }));
    expect(outcome).toMatchObject({ ok: false, detail: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('refuses a kind that disagrees with the URL', async () => {
    const outcome = await runCheck(spec({ kind: 'https', target: server.url('/health') }));
    expect(outcome).toMatchObject({ ok: false, detail: 'kind https but target is http://' });
  });
});

describe('https check', () => {
  let cert: TestCert;
  let expiring: TestCert;
  let server: HttpServer;
  let expiringServer: HttpServer;
  beforeAll(async () => {
    [cert, expiring] = await Promise.all([makeCert(), makeCert({ validForMs: 2 * 86_400_000 })]);
    server = await startHttpServer(routes, { tls: cert });
    expiringServer = await startHttpServer(routes, { tls: expiring });
  });
  afterAll(async () => {
    await Promise.all([server.close(), expiringServer.close()]);
    await Promise.all([cert.dispose(), expiring.dispose()]);
  });

  it('verifies the certificate against the given CA', async () => {
    const before = activeResources();
    const outcome = await runCheck(
      spec({ kind: 'https', target: server.url('/health'), ca: cert.caPath, expectBody: 'ok' }),
    );
    expect(outcome).toMatchObject({ ok: true, detail: "GET /health answered 200, body contains 'ok'" });
    expect(outcome.warning).toBeUndefined();
    expect(await leakedSince(before)).toEqual({});
  });

  it('fails a self-signed certificate unless insecure', async () => {
    expect(await runCheck(spec({ kind: 'https', target: server.url('/health') }))).toMatchObject({
      ok: false,
      detail: 'tls handshake: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    });
    expect(await runCheck(spec({ kind: 'https', target: server.url('/health'), insecure: true }))).toMatchObject({
      ok: true,
    });
  });

  it('warns about a certificate that expires within 14 days', async () => {
    const outcome = await runCheck(spec({ kind: 'https', target: expiringServer.url('/health'), ca: expiring.caPath }));
    expect(outcome.ok).toBe(true);
    expect(outcome.warning).toMatch(/^certificate expires in 2 days \(/);
  });
});
