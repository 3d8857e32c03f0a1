import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ec2Provider } from '../../../../adapters/aws/ec2';
import type { Route53Provider } from '../../../../adapters/aws/route53';
import { buildProviders } from '../../../../adapters/providers';
import type { Config, NodeSpec, Vip } from '../../../../core/config';
import { Ec2Emulator } from '../../../../sim/aws-ec2';
import { seedFromConfig } from '../../../../sim/aws-ec2/from-config';
import { Route53Emulator } from '../../../../sim/aws-route53';
import { seedFromConfig as route53Seed } from '../../../../sim/aws-route53/from-config';
import { config } from '../../../helpers/configs';

const ZONE = 'Z0000000000OWNER';
const ENI = { a: 'eni-0000000000000a001', b: 'eni-0000000000000b001' } as const;

/**
 * Two EC2 instances whose config names fixed public addresses, an Elastic IP that starts on a's
 * primary private address (so EC2 has already taken a's auto-assigned public address away), a
 * node that is no EC2 instance, and the owner record webmail.example.net.
 */
function ownerConfig(): Config {
  const ec2Node = (id: 'a' | 'b', n: number) => ({
    id,
    interface: 'ens5',
    addresses: [`10.0.1.${10 + n}`],
    aws: {
      eni: ENI[id],
      instanceId: `i-${ENI[id].slice(4)}`,
      subnetId: 'subnet-000000000000000a1',
      subnetCidr: '10.0.1.0/24',
      az: 'eu-central-1a',
      publicIp: `198.51.100.${20 + n}`,
    },
  });
  return config({
    cluster: 'owner-test',
    control: { mode: 'local', liveness: 'direct' },
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: [ec2Node('a', 1), ec2Node('b', 2), { id: 'lan', interface: 'eth0', aws: { publicIp: '192.0.2.33' } }],
    vips: [
      {
        name: 'eip',
        kind: 'aws-elastic-ip',
        address: '198.51.100.10/32',
        aws: { allocationId: 'eipalloc-00000000000000001' },
        preferred: 'a',
      },
      { name: 'webmail', kind: 'aws-route53', aws: { hostedZoneId: ZONE, recordName: 'webmail.example.net', ttl: 60 } },
    ],
  });
}

interface World {
  cfg: Config;
  ec2: Ec2Emulator;
  r53: Route53Emulator;
  eipProvider: Ec2Provider;
  provider: Route53Provider;
  warnings: string[];
  vip(name: string): Vip;
  node(id: string): NodeSpec;
  ctx(ms?: number): { epoch: number; deadline: number };
  record(): { values: string[] } | undefined;
  close(): Promise<void>;
}

let w: World | undefined;

/** EC2 reads are eventually consistent (the emulator lags them too): wait until describing shows the write. */
async function visible(ec2: Ec2Emulator, eni: string, publicIp: string | undefined): Promise<void> {
  const until = Date.now() + 5000;
  while (ec2.visibleState().enis[eni]?.publicIp !== publicIp) {
    if (Date.now() > until) throw new Error(`EC2 never showed ${eni} with public address ${publicIp ?? 'none'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
afterEach(async () => w?.close());

/**
 * Both emulators, and the providers built the way the control plane builds them (buildProviders).
 * `launchedWithoutPublicIp`: those instances have no auto-assigned public address in EC2, whatever
 * the config says, so once the Elastic IP leaves them they have none.
 */
async function world(launchedWithoutPublicIp: readonly string[] = []): Promise<World> {
  const cfg = ownerConfig();
  const seed = seedFromConfig(cfg);
  for (const i of seed.instances ?? [])
    if (launchedWithoutPublicIp.some((id) => i.networkInterfaceId === ENI[id as 'a' | 'b'])) delete i.publicIp;
  const ec2 = new Ec2Emulator({ seed, settings: { strictReassociation: true } });
  const r53 = new Route53Emulator({
    seed: route53Seed(cfg),
    settings: { propagationDelayMs: 100, requestsPerSecond: 1000 },
  });
  await ec2.start(0);
  await r53.start(0);
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      warnings.push(String(chunk));
      done();
    },
  });
  const providers = buildProviders({
    config: cfg,
    logger: pino({ level: 'warn' }, sink),
    credentials: {
      aws: {
        region: 'eu-central-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        ec2Endpoint: ec2.url,
        route53Endpoint: r53.url,
        requestTimeoutMs: 500,
        route53PollMs: 50,
      },
    },
  });
  const provider = providers.get('aws-route53') as Route53Provider;
  const eipProvider = providers.get('aws-elastic-ip') as Ec2Provider;
  let epoch = 0;
  return {
    cfg,
    ec2,
    r53,
    eipProvider,
    provider,
    warnings,
    vip: (name) => cfg.vips.find((v) => v.name === name)!,
    node: (id) => cfg.nodes.find((n) => n.id === id)!,
    ctx: (ms = 8000) => ({ epoch: ++epoch, deadline: Date.now() + ms }),
    record: () => r53.recordSet(ZONE, 'webmail.example.net', 'A'),
    close: async () => {
      provider.close();
      eipProvider.close();
      await ec2.close();
      await r53.close();
    },
  };
}

describe('aws-route53 owner record: the address EC2 says the node has', () => {
  it('after the Elastic IP leaves a, a failover to a publishes the public IP EC2 gave it, not the configured one', async () => {
    w = await world();
    expect(w.ec2.state.enis[ENI.a]!.publicIp).toBeUndefined();
    expect(await w.eipProvider.move(w.vip('eip'), w.node('b'), w.ctx())).toMatchObject({ ok: true });
    const renewed = w.ec2.state.enis[ENI.a]!.publicIp;
    // EC2 gave a a new address from Amazon's pool; neither the configured one nor the EIP.
    expect(renewed).toMatch(/^203\.0\.113\./);
    await visible(w.ec2, ENI.a, renewed);

    w.ec2.calls.clear();
    const r = await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(w.record()?.values).toEqual([renewed]);
    // One EC2 read for the move, counted in its calls.
    expect(w.ec2.calls.count({ action: 'DescribeNetworkInterfaces' })).toBe(1);
    expect(w.ec2.calls.calls.length).toBe(1);
    expect(r.calls).toBe(w.r53.calls.calls.length + 1);
    const warning = w.warnings.find((l) => l.includes('EC2 says its public address'));
    expect(warning).toContain(renewed);
    expect(warning).toContain('198.51.100.21');
    // The record is a's, although a's configured address is another.
    expect((await w.provider.observe([w.vip('webmail')])).get('webmail')).toEqual({ node: 'a' });
  });

  it("while the Elastic IP is on its primary address, the node's public address is the Elastic IP", async () => {
    w = await world();
    expect(await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx())).toMatchObject({ ok: true });
    expect(w.record()?.values).toEqual(['198.51.100.10']);
  });

  it('a node left with no public IP fails the move invalid, saying so, and the record is not touched', async () => {
    w = await world(['a']);
    await w.provider.move(w.vip('webmail'), w.node('lan'), w.ctx());
    expect(await w.eipProvider.move(w.vip('eip'), w.node('b'), w.ctx())).toMatchObject({ ok: true });
    expect(w.ec2.state.enis[ENI.a]!.publicIp).toBeUndefined();
    await visible(w.ec2, ENI.a, undefined);
    const changes = w.r53.calls.count({ action: 'ChangeResourceRecordSets' });

    const r = await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx());
    expect(r).toMatchObject({ ok: false, reason: 'invalid' });
    expect(!r.ok && r.message).toMatch(/node a has no public IPv4 address on eni-0000000000000a001/);
    expect(!r.ok && r.message).toContain('198.51.100.21');
    expect(w.r53.calls.count({ action: 'ChangeResourceRecordSets' })).toBe(changes);
    expect(w.record()?.values).toEqual(['192.0.2.33']);
  });

  it('a node that is no EC2 instance keeps its configured address, with no EC2 call', async () => {
    w = await world();
    w.ec2.calls.clear();
    expect(await w.provider.move(w.vip('webmail'), w.node('lan'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(w.record()?.values).toEqual(['192.0.2.33']);
    expect(w.ec2.calls.calls.length).toBe(0);
    expect(w.warnings).toEqual([]);
  });

  it('EC2 refusing the read fails the move with its reason, and nothing is published', async () => {
    w = await world();
    await w.ec2.close();
    const r = await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx(1500));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('DescribeNetworkInterfaces');
    expect(w.r53.calls.count({ action: 'ChangeResourceRecordSets' })).toBe(0);
    expect(w.record()).toBeUndefined();
  });
});
