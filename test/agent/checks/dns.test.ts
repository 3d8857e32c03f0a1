import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../agent/checks';
import { startDnsServer, type DnsServer } from '../../helpers/dns-server';
import { activeResources, leakedSince } from '../../helpers/handles';
import { spec } from './specs';

describe('dns check', () => {
  let dns: DnsServer;
  beforeAll(async () => {
    dns = await startDnsServer({ a: { 'mail.example.test': ['198.18.0.10', '198.18.0.11'] } });
  });
  afterAll(() => dns.close());

  async function check(input: Record<string, unknown>) {
    const before = activeResources();
    const outcome = await runCheck(spec({ kind: 'dns', target: dns.target, ...input }));
    expect(await leakedSince(before)).toEqual({});
    return outcome;
  }

  it('asks the target server and is healthy on an answer', async () => {
    const before = dns.queries.length;
    const outcome = await check({ name: 'mail.example.test' });
    expect(outcome).toMatchObject({ ok: true, detail: 'A mail.example.test = 198.18.0.10, 198.18.0.11' });
    expect(dns.queries.slice(before)).toEqual([{ name: 'mail.example.test', type: 1 }]);
  });

  it('is healthy when every expected value is in the answer', async () => {
    expect(await check({ name: 'mail.example.test', expect: ['198.18.0.11'] })).toMatchObject({ ok: true });
  });

  it('fails when an expected value is missing, naming it and the answer', async () => {
    expect(await check({ name: 'mail.example.test', expect: ['198.18.0.10', '198.18.0.99'] })).toMatchObject({
      ok: false,
      detail: "A mail.example.test lacks '198.18.0.99'; answer was '198.18.0.10, 198.18.0.11'",
    });
  });

  it('fails on NXDOMAIN', async () => {
    expect(await check({ name: 'gone.example.test' })).toMatchObject({
      ok: false,
      detail: `A gone.example.test from ${dns.target}: ENOTFOUND`,
    });
  });

  it('fails when the name has no record of the type asked', async () => {
    expect(await check({ name: 'mail.example.test', type: 'AAAA' })).toMatchObject({
      ok: false,
      detail: `AAAA mail.example.test from ${dns.target}: ENODATA`,
    });
  });

  it('fails on SERVFAIL', async () => {
    const broken = await startDnsServer({ rcode: 2 });
    try {
      const outcome = await runCheck(spec({ kind: 'dns', target: broken.target, name: 'mail.example.test' }));
      expect(outcome).toMatchObject({ ok: false, detail: `A mail.example.test from ${broken.target}: ESERVFAIL` });
    } finally {
      await broken.close();
    }
  });

  it('times out when the server never answers', async () => {
    const silent = await startDnsServer({ silent: true });
    try {
      const before = activeResources();
      const outcome = await runCheck(
        spec({ kind: 'dns', target: silent.target, name: 'mail.example.test', timeout: 300 }),
      );
      expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 300ms in query A mail.example.test' });
      expect(silent.queries).toHaveLength(1); // asked once: no retries hidden inside the timeout
      expect(await leakedSince(before)).toEqual({});
    } finally {
      await silent.close();
    }
  });
});
