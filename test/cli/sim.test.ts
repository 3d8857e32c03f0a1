import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProviders } from '../../adapters/providers';
import { simCommand, startSim } from '../../cli/commands/sim';
import { example } from '../helpers/configs';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  return { out, err };
}

/** Runs `ipferry sim ...` until `body` (given the printed URL) is done. */
async function whileRunning(argv: string[], body: (url: string, out: string[]) => Promise<void>): Promise<number> {
  const { out } = capture();
  let release!: () => void;
  const stopped = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const up = new Promise<void>((r) => (started = r));
  const cmd = simCommand(() => (started(), stopped));
  const code = cmd.run(argv);
  await Promise.race([up, code]);
  try {
    const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out[0] ?? '')?.[1];
    if (!url) throw new Error(`no URL printed: ${out.join('\n')}`);
    await body(url, out);
  } finally {
    release();
  }
  return code;
}

afterEach(() => vi.restoreAllMocks());

describe('ipferry sim', () => {
  it('runs the EC2 emulator seeded from a config, says how to use it, and stops cleanly', async () => {
    let seenUrl = '';
    const code = await whileRunning(['ec2', '--config', 'examples/aws/ipferry.yaml'], async (url, out) => {
      seenUrl = url;
      expect(out[0]).toBe(`EC2 emulator on ${url} (seeded from cluster mail-eu)`);
      expect(out).toContain(
        `  export AWS_ENDPOINT_URL_EC2=${url} AWS_REGION=eu-central-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
      );
      const ec2 = new EC2Client({
        endpoint: url,
        region: 'eu-central-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      const enis = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'subnet-id', Values: ['subnet-000000000000a0001'] }],
        }),
      );
      expect(enis.NetworkInterfaces?.map((e) => e.NetworkInterfaceId).sort()).toEqual([
        'eni-0000000000000e001',
        'eni-0000000000000e002',
      ]);
      ec2.destroy();
    });
    expect(code).toBe(0);
    await expect(fetch(`${seenUrl}/__admin/state`)).rejects.toThrow();
  });

  it('is what ipferry finds through the printed environment (the SDK reads AWS_ENDPOINT_URL_EC2)', async () => {
    const cfg = example('aws/ipferry.yaml');
    const running = await startSim('ec2', { config: cfg });
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_EC2: running.url,
        AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      });
      const provider = buildProviders({ config: cfg, credentials: {} }).get('aws-secondary-ip')!;
      const seen = await provider.observe(cfg.vips.filter((v) => v.kind === 'aws-secondary-ip'));
      expect(Object.fromEntries(seen)).toEqual({ 'smtp-a': { node: 'mail1' }, 'smtp-b': { node: 'mail3' } });
    } finally {
      for (const k of ['AWS_ENDPOINT_URL_EC2', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await running.close();
    }
  });

  it('runs Route 53 from a config, and Hetzner Cloud and Robot from their example worlds', async () => {
    expect(
      await whileRunning(['route53', '--config', 'examples/aws/ipferry.yaml'], async (url, out) => {
        expect(out).toContain(
          `  export AWS_ENDPOINT_URL_ROUTE_53=${url} AWS_REGION=eu-central-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
        );
        const state = (await (await fetch(`${url}/__admin/state`)).json()) as {
          zones: Record<string, { name: string }>;
        };
        expect(
          Object.values(state.zones)
            .map((z) => z.name)
            .sort(),
        ).toEqual(['example.net.', 'internal.example.net.']);
      }),
    ).toBe(0);
    expect(
      await whileRunning(['hetzner'], async (url, out) => {
        expect(out[0]).toBe(`Hetzner Cloud emulator on ${url} (example world)`);
        const res = await fetch(`${url}/v1/floating_ips`, { headers: { authorization: 'Bearer test-token' } });
        expect(res.status).toBe(200);
      }),
    ).toBe(0);
    expect(
      await whileRunning(['robot', '--config', 'examples/hetzner/ipferry.yaml'], async (url) => {
        const res = await fetch(`${url}/failover`, {
          headers: { authorization: `Basic ${Buffer.from('robot-user:robot-pass').toString('base64')}` },
        });
        expect(await res.text()).toContain('198.51.100.143');
      }),
    ).toBe(0);
  });

  it('refuses bad usage (2), a bad config (1) and a config the emulator cannot hold (1), naming why', async () => {
    const { err } = capture();
    const cmd = simCommand(() => Promise.resolve());
    expect(await cmd.run([])).toBe(2);
    expect(await cmd.run(['s3'])).toBe(2);
    expect(err.at(-1)).toMatch(/unknown emulator "s3" \(one of ec2, route53, hetzner, robot\)/);
    expect(await cmd.run(['ec2', '--port', 'x'])).toBe(2);
    expect(await cmd.run(['ec2', '--config', '/nonexistent/ipferry.yaml'])).toBe(1);
    expect(err.at(-1)).toBe('ipferry: no such file: /nonexistent/ipferry.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'ipferry-sim-'));
    const file = join(dir, 'bad-zone.yaml');
    writeFileSync(
      file,
      [
        'cluster: c',
        'security: { psk: "0123456789abcdef0" }',
        'nodes: [{ id: n1, interface: eth0, addresses: [198.18.0.1] }]',
        'vips: [{ name: www, kind: aws-route53, aws: { hostedZoneId: zone-1, recordName: www.example.org } }]',
        '',
      ].join('\n'),
    );
    expect(await cmd.run(['route53', '--config', file])).toBe(1);
    expect(err.at(-1)).toMatch(
      /ipferry sim route53: .*hosted zone id "zone-1" must be Z followed by capitals and digits/,
    );
  });
});
