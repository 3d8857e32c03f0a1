import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../agent/checks';
import { closedPort } from '../../helpers/closed-port';
import { activeResources, leakedSince } from '../../helpers/handles';
import { startMailServer, type MailServerOptions } from '../../helpers/mail-server';
import { makeCert, type TestCert } from '../../helpers/tls-cert';
import { spec } from './specs';

/** Starts a server, runs one check against it, and checks nothing was left open on either side. */
async function checkAgainst(
  server: Partial<MailServerOptions> & Pick<MailServerOptions, 'protocol'>,
  check: Record<string, unknown> = {},
) {
  const mail = await startMailServer(server);
  try {
    const before = activeResources();
    const outcome = await runCheck(spec({ kind: server.protocol, target: mail.target, ...check }));
    expect(await leakedSince(before)).toEqual({});
    expect(mail.open()).toBe(0);
    return { outcome, mail };
  } finally {
    await mail.close();
  }
}

describe('smtp check', () => {
  it('reads a multi-line 220 banner, EHLOs, reads a multi-line 250, QUITs', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'smtp' });
    expect(outcome.ok).toBe(true);
    expect(outcome.detail).toBe("banner '220-mx.test ESMTP ipferry test', EHLO 250 with 3 extensions, QUIT 221");
    expect(mail.commands).toEqual(['EHLO ipferry.check', 'QUIT']);
    expect(outcome.latencyMs).toBeGreaterThan(0);
  });

  it('greets with the configured helo name', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'smtp' }, { helo: 'node-a.example' });
    expect(outcome.ok).toBe(true);
    expect(mail.commands[0]).toBe('EHLO node-a.example');
  });

  it('joins lines split across packets (3 bytes each)', async () => {
    const { outcome } = await checkAgainst({ protocol: 'smtp', chunkBytes: 3 });
    expect(outcome).toMatchObject({ ok: true, detail: expect.stringContaining('EHLO 250 with 3 extensions') });
  });

  it('fails on a banner that refuses service', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'smtp', greeting: ['554 no service'] });
    expect(outcome).toMatchObject({ ok: false, detail: "banner was '554 no service'" });
    expect(mail.commands).toEqual([]);
  });

  it('fails on a banner that is not SMTP at all', async () => {
    const { outcome } = await checkAgainst({ protocol: 'smtp', greeting: ['SSH-2.0-OpenSSH_9.6'] });
    expect(outcome).toMatchObject({ ok: false, detail: "banner was 'SSH-2.0-OpenSSH_9.6' (not an SMTP reply)" });
  });

  it('fails when EHLO is answered with 421', async () => {
    const { outcome } = await checkAgainst({ protocol: 'smtp', replies: { EHLO: ['421 4.3.2 too busy'] } });
    expect(outcome).toMatchObject({ ok: false, detail: "EHLO answered 421: '421 4.3.2 too busy'" });
  });

  it('fails when the server hangs up after its banner', async () => {
    const { outcome } = await checkAgainst({ protocol: 'smtp', closeAfterGreeting: true });
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/^connection closed by server in EHLO|^EHLO: .*(EPIPE|ECONNRESET)/);
  });

  it('times out in the banner when the server is slow, within the timeout', async () => {
    const { outcome } = await checkAgainst({ protocol: 'smtp', greetingDelayMs: 2000 }, { timeout: 300 });
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 300ms in banner' });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(295);
    expect(outcome.latencyMs).toBeLessThan(1000);
  });

  it('fails with the connect error when nothing listens', async () => {
    const port = await closedPort();
    const outcome = await runCheck(spec({ kind: 'smtp', target: `127.0.0.1:${port}` }));
    expect(outcome).toMatchObject({ ok: false, detail: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });
});

describe('lmtp check', () => {
  it('greets with LHLO', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'lmtp' });
    expect(outcome).toMatchObject({ ok: true, detail: expect.stringContaining('LHLO 250 with 2 extensions') });
    expect(mail.commands).toEqual(['LHLO ipferry.check', 'QUIT']);
  });

  it('fails when LHLO is refused', async () => {
    const { outcome } = await checkAgainst({ protocol: 'lmtp', replies: { LHLO: ['500 5.5.1 what?'] } });
    expect(outcome).toMatchObject({ ok: false, detail: "LHLO answered 500: '500 5.5.1 what?'" });
  });
});

describe('imap check', () => {
  it('reads the * OK greeting and logs out', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'imap' });
    expect(outcome).toMatchObject({
      ok: true,
      detail: "greeting '* OK [CAPABILITY IMAP4rev1] ipferry test ready', LOGOUT OK",
    });
    expect(mail.commands).toEqual(['a1 LOGOUT']);
  });

  it('handles a greeting split into single bytes', async () => {
    const { outcome } = await checkAgainst({ protocol: 'imap', chunkBytes: 1, greeting: ['* OK ready'] });
    expect(outcome.ok).toBe(true);
  });

  it('fails on a BYE greeting', async () => {
    const { outcome } = await checkAgainst({ protocol: 'imap', greeting: ['* BYE too many connections'] });
    expect(outcome).toMatchObject({ ok: false, detail: "greeting was '* BYE too many connections'" });
  });

  it('fails when LOGOUT is answered BAD', async () => {
    const { outcome } = await checkAgainst({ protocol: 'imap', replies: { LOGOUT: ['{tag} BAD not now'] } });
    expect(outcome).toMatchObject({ ok: false, detail: "LOGOUT answered 'a1 BAD not now'" });
  });

  it('times out when the server never greets', async () => {
    const { outcome } = await checkAgainst({ protocol: 'imap', greeting: [] }, { timeout: 200 });
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 200ms in greeting' });
  });
});

describe('pop3 check', () => {
  it('reads +OK and QUITs', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'pop3' });
    expect(outcome).toMatchObject({ ok: true, detail: "greeting '+OK POP3 ready', QUIT +OK" });
    expect(mail.commands).toEqual(['QUIT']);
  });

  it('fails on an -ERR greeting', async () => {
    const { outcome } = await checkAgainst({ protocol: 'pop3', greeting: ['-ERR maintenance'] });
    expect(outcome).toMatchObject({ ok: false, detail: "greeting was '-ERR maintenance'" });
  });

  it('fails when QUIT is not +OK', async () => {
    const { outcome } = await checkAgainst({ protocol: 'pop3', replies: { QUIT: ['-ERR no'] } });
    expect(outcome).toMatchObject({ ok: false, detail: "QUIT answered '-ERR no'" });
  });
});

describe('mail checks over implicit TLS', () => {
  let valid: TestCert;
  let expiring: TestCert;
  beforeAll(async () => {
    [valid, expiring] = await Promise.all([makeCert(), makeCert({ validForMs: 3 * 86_400_000 })]);
  });
  afterAll(async () => {
    await Promise.all([valid.dispose(), expiring.dispose()]);
  });

  it('speaks SMTP inside TLS (465) and verifies the certificate against the given CA', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'smtp', tls: valid }, { tls: true, ca: valid.caPath });
    expect(outcome.ok).toBe(true);
    expect(outcome.detail).toContain('EHLO 250 with 3 extensions, QUIT 221 (TLS, CN=localhost, valid until');
    expect(outcome.warning).toBeUndefined();
    expect(mail.commands).toEqual(['EHLO ipferry.check', 'QUIT']);
  });

  it('speaks IMAP (993) and POP3 (995) inside TLS', async () => {
    const imap = await checkAgainst({ protocol: 'imap', tls: valid }, { tls: true, ca: valid.caPath });
    const pop3 = await checkAgainst({ protocol: 'pop3', tls: valid, chunkBytes: 2 }, { tls: true, ca: valid.caPath });
    expect([imap.outcome.ok, pop3.outcome.ok]).toEqual([true, true]);
  });

  it('refuses a certificate it cannot verify', async () => {
    const { outcome, mail } = await checkAgainst({ protocol: 'pop3', tls: valid }, { tls: true });
    expect(outcome).toMatchObject({
      ok: false,
      detail: 'tls handshake: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    });
    expect(mail.commands).toEqual([]);
  });

  it('refuses a certificate for another name', async () => {
    const { outcome } = await checkAgainst(
      { protocol: 'imap', tls: valid },
      { tls: true, ca: valid.caPath, servername: 'imap.other.test' },
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(
      /^tls handshake: Hostname\/IP does not match certificate's altnames: Host: imap.other.test/,
    );
  });

  it('with insecure, accepts any certificate but warns that it expires soon', async () => {
    const { outcome } = await checkAgainst({ protocol: 'smtp', tls: expiring }, { tls: true, insecure: true });
    expect(outcome.ok).toBe(true);
    expect(outcome.warning).toMatch(/^certificate expires in 3 days \(/);
  });

  it('fails the handshake against a plain-text server', async () => {
    const { outcome } = await checkAgainst({ protocol: 'smtp' }, { tls: true, insecure: true });
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toBe('tls handshake: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)');
  });

  it('times out in the handshake when the server says nothing', async () => {
    const { outcome } = await checkAgainst(
      { protocol: 'imap', silent: true },
      { tls: true, insecure: true, timeout: 200 },
    );
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 200ms in tls handshake' });
  });
});
