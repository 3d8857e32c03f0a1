import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../core/config';
import { spawnIpferry, type AgentProcess } from '../../helpers/agent-process';
import { closedPort } from '../../helpers/closed-port';
import { startHeartbeatReceiver, type HeartbeatReceiver } from '../../helpers/heartbeat-receiver';
import { startHttpServer, type HttpServer } from '../../helpers/http-server';
import { startFakeImds, type FakeImds } from '../../helpers/imds-server';

const PSK = 'e2e-psk-0123456789abcdef';
let dir: string;
let web: HttpServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-e2e-'));
  web = await startHttpServer({ '/health': { body: 'ok' } });
});
afterAll(async () => {
  await web.close();
  await rm(dir, { recursive: true, force: true });
});

function clusterDoc(controlUrl: string, hooksDir: string) {
  const hook = (name: string) => join(hooksDir, name);
  return {
    cluster: 'e2e',
    control: { mode: 'local', liveness: 'direct', url: controlUrl },
    security: { psk: PSK },
    timers: { heartbeatInterval: '200ms', deadAfter: '2s' },
    nodes: [
      { id: 'n1', interface: 'eth0', addresses: ['198.18.0.11'] },
      { id: 'n2', interface: 'eth0', addresses: ['198.18.0.12'] },
    ],
    checks: {
      web: { kind: 'http', target: web.url('/health'), interval: '200ms', timeout: '150ms', rise: 1, fall: 2 },
    },
    vips: [
      { name: 'smtp', address: '198.18.0.74/24', checks: ['web'], hooks: { up: hook('up.sh'), down: hook('down.sh') } },
      { name: 'imap', address: '198.18.0.75/24' },
    ],
  };
}

describe('ipferry agent, as a process', () => {
  let receiver: HeartbeatReceiver;
  let proc: AgentProcess | undefined;

  afterAll(async () => {
    if (proc && proc.child.exitCode === null) proc.kill('SIGKILL');
    await receiver?.close();
  });

  it('heartbeats, plumbs its VIP, answers agent status, and stops gracefully on SIGTERM', async () => {
    for (const name of ['up.sh', 'down.sh']) {
      await writeFile(
        join(dir, name),
        `#!/bin/sh\necho "${name} $1 $2 $IPFERRY_VIP $IPFERRY_STATE $IPFERRY_EPOCH $IPFERRY_NODE" >> "${join(dir, 'hooks.log')}"\n`,
      );
      await chmod(join(dir, name), 0o755);
    }
    receiver = await startHeartbeatReceiver(loadConfig(clusterDoc('http://127.0.0.1:1', dir)));
    const configFile = join(dir, 'cluster.yaml');
    await writeFile(configFile, stringify(clusterDoc(receiver.url, dir)));
    receiver.assign('n1', [{ vip: 'smtp', epoch: 5 }]);

    proc = spawnIpferry(
      ['agent', '--config', configFile, '--node', 'n1', '--hostnet', 'recording', '--metrics', '127.0.0.1:0'],
      { IPFERRY_LOG_LEVEL: 'info' },
    );
    const listening = await proc.waitForLog((l) => typeof l.listen === 'string');
    const listen = String(listening.listen);
    await proc.waitForLog((l) => l.msg === 'agent started');

    const hb = await receiver.next((h) => h.held.includes('smtp') && h.checks.web?.ok === true, 10_000);
    expect(hb).toMatchObject({ cluster: 'e2e', node: 'n1', held: ['smtp'], applied: { smtp: 5 }, leaving: false });
    expect(receiver.refused).toEqual([]);

    const status = spawnIpferry(['agent', 'status', '--metrics', listen, '--json']);
    expect(await status.exited()).toBe(0);
    const shown = status.logs[0] as {
      node: string;
      controlPlane: { reachable: boolean };
      held: unknown[];
      vips: Array<{ name: string; state: string }>;
    };
    expect(shown).toMatchObject({ node: 'n1', controlPlane: { reachable: true }, held: [{ vip: 'smtp', epoch: 5 }] });
    expect(shown.vips.map((v) => `${v.name} ${v.state}`)).toEqual(['smtp held', 'imap idle']);

    const text = spawnIpferry(['agent', 'status', '--metrics', listen]);
    expect(await text.exited()).toBe(0);
    const lines = text.logs.map((l) => String(l.text));
    expect(lines[0]).toBe('node n1 in cluster e2e (host network: recording (asked for with --hostnet recording))');
    expect(lines).toContain('held: smtp@5');

    const metrics = await (await fetch(`http://${listen}/metrics`)).text();
    expect(metrics).toMatch(/^ipferry_vips_held 1$/m);
    expect(metrics).toMatch(/^ipferry_process_resident_memory_bytes \d+/m);

    proc.kill('SIGTERM');
    expect(await proc.exited(15_000)).toBe(0);
    const leaving = receiver.received.filter((r) => r.heartbeat.leaving);
    expect(leaving).toHaveLength(1);
    expect(leaving[0]!.heartbeat.held).toEqual(['smtp']);
    expect(proc.logs.some((l) => l.msg === 'unbound smtp (stopping)')).toBe(true);
    expect(proc.logs.some((l) => l.msg === 'agent stopped')).toBe(true);
    expect((await readFile(join(dir, 'hooks.log'), 'utf8')).trim().split('\n')).toEqual([
      'up.sh eth0 198.18.0.74 smtp up 5 n1',
      'down.sh eth0 198.18.0.74 smtp down 5 n1',
    ]);
  });

  it('refuses to start on a host that is not the node the config describes', async () => {
    const imds: FakeImds = await startFakeImds({
      instanceId: 'i-0aaaaaaaaaaaaaaaa',
      az: 'eu-central-1a',
      enis: [
        {
          mac: '0a:00:00:00:00:01',
          eni: 'eni-0aaa1111bbbb2222c',
          subnetId: 'subnet-0aaa1111',
          subnetCidr: '10.0.1.0/24',
          localIpv4s: ['10.0.1.10'],
        },
      ],
    });
    const configFile = join(dir, 'ec2.yaml');
    await writeFile(
      configFile,
      stringify({
        cluster: 'e2e',
        control: { mode: 'local', liveness: 'direct', url: `http://127.0.0.1:${await closedPort()}` },
        security: { psk: PSK },
        nodes: [
          {
            id: 'a',
            interface: 'eth0',
            aws: { instanceId: 'i-0bbbbbbbbbbbbbbbb', eni: 'eni-0aaa1111bbbb2222c', subnetCidr: '10.0.1.0/24' },
          },
        ],
        vips: [{ name: 'sec', kind: 'aws-secondary-ip', address: '10.0.1.50/24' }],
      }),
    );
    const p = spawnIpferry(
      ['agent', '--config', configFile, '--node', 'a', '--hostnet', 'recording', '--metrics', '127.0.0.1:0'],
      { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url },
    );
    expect(await p.exited()).toBe(1);
    expect(p.stderr()).toContain(
      'ipferry: this host is not node a as the config describes it (EC2 IMDS):\n  nodes[a].aws.instanceId: config says i-0bbbbbbbbbbbbbbbb, EC2 IMDS says i-0aaaaaaaaaaaaaaaa',
    );
    await imds.close();
  });

  it('says so when no agent answers agent status', async () => {
    const port = await closedPort();
    const p = spawnIpferry(['agent', 'status', '--metrics', `127.0.0.1:${port}`]);
    expect(await p.exited()).toBe(1);
    expect(p.stderr()).toContain(
      `ipferry agent status: no agent answered on http://127.0.0.1:${port}/status (ECONNREFUSED); is it running, with --metrics 127.0.0.1:${port}?`,
    );
  });
});
