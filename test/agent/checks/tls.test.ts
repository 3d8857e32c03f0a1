import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../agent/checks';
import { closedPort } from '../../helpers/closed-port';
import { activeResources, leakedSince } from '../../helpers/handles';
import { startMailServer } from '../../helpers/mail-server';
import { makeCert, type TestCert } from '../../helpers/tls-cert';
import { spec } from './specs';

const DAY = 86_400_000;

/** A TLS server that completes handshakes and closes; returns its target and a way to stop it. */
async function tlsServer(cert: TestCert) {
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (s) => s.end());
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { target, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('tls check', () => {
  const certs: Record<string, TestCert> = {};
  const servers: Record<string, { target: string; close(): Promise<void> }> = {};
  beforeAll(async () => {
    const made = await Promise.all([
      makeCert(),
      makeCert({ validForMs: 3 * DAY }),
      makeCert({ validFromMs: -10 * DAY, validForMs: 2 * DAY }),
      makeCert({ validFromMs: 5 * DAY }),
      makeCert({ names: ['mail.example.test'] }),
    ]);
    ['valid', 'expiring', 'expired', 'future', 'otherName'].forEach((k, i) => (certs[k] = made[i]!));
    for (const [k, c] of Object.entries(certs)) servers[k] = await tlsServer(c);
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
    await Promise.all(Object.values(certs).map((c) => c.dispose()));
  });

  async function check(name: string, extra: Record<string, unknown> = {}) {
    const before = activeResources();
    const outcome = await runCheck(
      spec({ kind: 'tls', target: servers[name]!.target, ca: certs[name]!.caPath, ...extra }),
    );
    expect(await leakedSince(before)).toEqual({});
    return outcome;
  }

  it('is healthy with a verified certificate far from expiry', async () => {
    const outcome = await check('valid');
    expect(outcome.ok).toBe(true);
    expect(outcome.detail).toMatch(/^TLSv1\.3 handshake, CN=localhost, valid until \d{4}-.*, verified$/);
    expect(outcome.warning).toBeUndefined();
  });

  it('stays healthy but warns when the certificate expires within warnBefore', async () => {
    const outcome = await check('expiring');
    expect(outcome.ok).toBe(true);
    expect(outcome.warning).toBe(`certificate expires in 3 days (${certs.expiring!.notAfter.toISOString()})`);
  });

  it('does not warn when warnBefore is shorter than the time left', async () => {
    const outcome = await check('expiring', { warnBefore: '1h' });
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.warning).toBeUndefined();
  });

  it('fails an expired certificate, even with insecure', async () => {
    const expected = `certificate expired 8 days ago (${certs.expired!.notAfter.toISOString()})`;
    expect(await check('expired')).toMatchObject({ ok: false, detail: expected });
    expect(await check('expired', { insecure: true })).toMatchObject({ ok: false, detail: expected });
  });

  it('fails a certificate that is not valid yet', async () => {
    const outcome = await check('future');
    expect(outcome).toMatchObject({
      ok: false,
      detail: `certificate not valid yet: valid from ${certs.future!.notBefore.toISOString()} (in 5 days)`,
    });
  });

  it('fails a certificate that does not match the servername', async () => {
    const outcome = await check('otherName', { servername: 'localhost' });
    expect(outcome).toMatchObject({
      ok: false,
      detail:
        "Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:mail.example.test",
    });
    expect(await check('otherName', { servername: 'mail.example.test' })).toMatchObject({ ok: true });
  });

  it('fails a certificate from an untrusted issuer unless insecure', async () => {
    expect(await check('valid', { ca: certs.otherName!.caPath })).toMatchObject({
      ok: false,
      detail: 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    });
    expect(await check('valid', { ca: undefined, insecure: true })).toMatchObject({
      ok: true,
      detail: expect.stringContaining('not verified (insecure)'),
    });
  });

  it('names a ca file it cannot read', async () => {
    expect(await check('valid', { ca: '/nonexistent/ca.pem' })).toMatchObject({
      ok: false,
      detail: 'cannot read ca file /nonexistent/ca.pem: ENOENT',
    });
  });

  it('fails with the connect error when nothing listens', async () => {
    const port = await closedPort();
    const outcome = await runCheck(spec({ kind: 'tls', target: `127.0.0.1:${port}` }));
    expect(outcome).toMatchObject({ ok: false, detail: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('times out in the handshake when the server never answers the ClientHello', async () => {
    const silent = await startMailServer({ protocol: 'smtp', silent: true });
    try {
      const before = activeResources();
      const outcome = await runCheck(spec({ kind: 'tls', target: silent.target, timeout: 250 }));
      expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 250ms in tls handshake' });
      expect(await leakedSince(before)).toEqual({});
    } finally {
      await silent.close();
    }
  });
});
