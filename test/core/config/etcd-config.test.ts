import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { control } from '../../../cli/commands/control';
import { validate } from '../../../cli/commands/validate';
import { formatIssue, loadConfig, parseConfig } from '../../../core/config';

const base = {
  cluster: 'mail',
  security: { psk: 'a-long-enough-secret-key' },
  nodes: [
    { id: 'mail01', interface: 'eth0', addresses: ['198.18.0.11'] },
    { id: 'mail02', interface: 'eth0', addresses: ['198.18.0.12'] },
  ],
  vips: [{ name: 'a', address: '198.18.0.50/24', preferred: 'mail01' }],
};
const etcd = (control: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...base,
  ...extra,
  control: { mode: 'etcd', endpoints: ['http://127.0.0.1:2379'], ...control },
});
const errorsOf = (raw: unknown): string[] => {
  const r = parseConfig(raw);
  return r.ok ? [] : r.issues.map(formatIssue);
};

afterEach(() => vi.restoreAllMocks());

describe('config: control.mode etcd', () => {
  it('defaults: prefix /ipferry/, 2 s call deadline, lease TTL from deadAfter (3 s at the defaults)', () => {
    const c = loadConfig(etcd({}));
    expect(c.control).toEqual({
      mode: 'etcd',
      endpoints: ['http://127.0.0.1:2379'],
      prefix: '/ipferry/',
      callTimeout: 2000,
      lease: { ttlSeconds: 3 },
    });
    expect(c.timers.deadAfter).toBe(3000);
  });

  it('the lease TTL is deadAfter rounded up to whole seconds, never under etcd’s 2 s minimum; an explicit one wins', () => {
    expect(loadConfig(etcd({}, { timers: { deadAfter: '4200ms' } })).control).toMatchObject({
      lease: { ttlSeconds: 5 },
    });
    expect(loadConfig(etcd({}, { timers: { heartbeatInterval: '200ms', deadAfter: '600ms' } })).control).toMatchObject({
      lease: { ttlSeconds: 2 },
    });
    expect(loadConfig(etcd({ lease: { ttl: '10s' } })).control).toMatchObject({ lease: { ttlSeconds: 10 } });
  });

  it('TLS, auth and a prefix of one’s own are accepted', () => {
    const c = loadConfig(
      etcd({
        endpoints: ['https://10.0.0.5:2379', 'https://10.0.0.6:2379'],
        prefix: '/prod/ipferry/',
        tls: {
          caFile: '/etc/ipferry/etcd-ca.pem',
          certFile: '/etc/ipferry/etcd.pem',
          keyFile: '/etc/ipferry/etcd.key',
        },
        auth: { username: 'ipferry', passwordFile: '/etc/ipferry/etcd-password' },
      }),
    );
    expect(c.control).toMatchObject({ prefix: '/prod/ipferry/', auth: { username: 'ipferry' } });
  });

  it('says what is wrong with an etcd section', () => {
    expect(errorsOf(etcd({ endpoints: [] }))).toEqual(['control.endpoints: at least one etcd endpoint is needed']);
    expect(errorsOf(etcd({ endpoints: ['10.0.0.5:2379'] }))[0]).toMatch(
      /control\.endpoints\[0\]: expected an etcd client URL/,
    );
    expect(errorsOf(etcd({ endpoints: ['http://10.0.0.5:2379/v3'] }))[0]).toMatch(/expected an etcd client URL/);
    expect(errorsOf(etcd({ endpoints: ['http://a:2379', 'https://b:2379'] }))).toEqual([
      'control.endpoints: endpoints mix http and https: use one for all members',
    ]);
    expect(errorsOf(etcd({ tls: { caFile: '/ca.pem' } }))).toEqual([
      'control.tls: tls is set but the endpoints are http://: use https:// endpoints',
    ]);
    expect(errorsOf(etcd({ endpoints: ['https://a:2379'], tls: { caFile: '/ca', certFile: '/c' } }))).toEqual([
      'control.tls: certFile and keyFile go together (a client certificate needs its key)',
    ]);
    expect(errorsOf(etcd({ prefix: 'ipferry' }))[0]).toMatch(
      /control\.prefix: expected a key prefix .* starts and ends with "\/"/,
    );
    expect(errorsOf(etcd({ lease: { ttl: '1s' } }))[0]).toMatch(
      /control\.lease\.ttl: an etcd lease lives at least 2 s/,
    );
    expect(errorsOf(etcd({ auth: { username: 'u', password: 'inline' } }))[0]).toMatch(/control\.auth/);
  });

  it('ipferry validate accepts an etcd config and names what the network must allow', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const dir = mkdtempSync(join(tmpdir(), 'ipferry-validate-etcd-'));
    const path = join(dir, 'ipferry.yaml');
    writeFileSync(path, JSON.stringify(etcd({ endpoints: ['http://10.0.0.5:2379', 'http://10.0.0.6:2379'] })));
    expect(await validate.run([path])).toBe(0);
    expect(out[0]).toMatch(/ok — cluster mail, 2 nodes, 1 VIPs, etcd control plane/);
    expect(out).toContain(
      '  network: each node reaches etcd at http://10.0.0.5:2379, http://10.0.0.6:2379 (its gRPC client port)',
    );
  });

  it('ipferry control refuses an etcd config, saying why (the agents decide)', async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    const dir = mkdtempSync(join(tmpdir(), 'ipferry-control-etcd-'));
    const path = join(dir, 'ipferry.json');
    writeFileSync(path, JSON.stringify(etcd({})));
    expect(await control.run(['--config', path])).toBe(1);
    expect(err.join('\n')).toContain(
      'control.mode is etcd: the agents keep the state in etcd and elect their decider there',
    );
  });
});
