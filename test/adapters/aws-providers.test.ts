import { afterEach, describe, expect, it } from 'vitest';
import { Ec2Provider } from '../../adapters/aws/ec2';
import { Route53Provider, Route53RecordSetPublisher } from '../../adapters/aws/route53';
import { buildProviders, buildRecordSetPublisher, type ProviderEnv } from '../../adapters/providers';
import { Ec2Emulator } from '../../sim/aws-ec2';
import { seedFromConfig as ec2Seed } from '../../sim/aws-ec2/from-config';
import { Route53Emulator } from '../../sim/aws-route53';
import { seedFromConfig as route53Seed } from '../../sim/aws-route53/from-config';
import { example } from '../helpers/configs';

/** The AWS example config, through the registry, against emulators seeded from that same config. */
const cfg = example('aws/ipferry.yaml');
let ec2: Ec2Emulator;
let r53: Route53Emulator;

afterEach(async () => {
  await ec2?.close();
  await r53?.close();
});

async function env(): Promise<ProviderEnv> {
  ec2 = new Ec2Emulator({ seed: ec2Seed(cfg), settings: { strictReassociation: true } });
  r53 = new Route53Emulator({ seed: route53Seed(cfg), settings: { propagationDelayMs: 100 } });
  await Promise.all([ec2.start(0), r53.start(0)]);
  return {
    config: cfg,
    credentials: {
      aws: {
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        ec2Endpoint: ec2.url,
        route53Endpoint: r53.url,
        requestTimeoutMs: 1000,
        route53PollMs: 50,
      },
    },
  };
}

describe('the AWS families in the provider registry', () => {
  it('builds one EC2 provider for the three EC2 kinds and a Route 53 one, sharing a core with the publisher', async () => {
    const e = await env();
    const providers = buildProviders(e);
    const ec2Provider = providers.get('aws-secondary-ip');
    expect(ec2Provider).toBeInstanceOf(Ec2Provider);
    expect(providers.get('aws-elastic-ip')).toBe(ec2Provider);
    expect(providers.get('aws-overlay-route')).toBe(ec2Provider);
    const route53 = providers.get('aws-route53') as Route53Provider;
    expect(route53).toBeInstanceOf(Route53Provider);
    const publisher = buildRecordSetPublisher(e) as Route53RecordSetPublisher;
    expect(publisher).toBeInstanceOf(Route53RecordSetPublisher);
    expect(publisher.core).toBe(route53.core);
  });

  it('sees the example as seeded (every VIP on its preferred node) and moves a VIP', async () => {
    const e = await env();
    const providers = buildProviders(e);
    const seen = new Map<string, unknown>();
    for (const p of new Set(providers.values())) for (const [vip, h] of await p.observe(cfg.vips)) seen.set(vip, h);
    expect(Object.fromEntries(seen)).toEqual({
      'smtp-a': { node: 'mail1' },
      'smtp-b': { node: 'mail3' },
      mx: { node: 'mail1' },
      relay: { node: 'mail2' },
      webmail: { node: 'mail2' },
    });
    expect(await buildRecordSetPublisher(e)!.observe(cfg.dns[0]!)).toEqual([
      '10.20.1.100',
      '10.20.2.100',
      '10.255.0.25',
    ]);

    const smtpA = cfg.vips.find((v) => v.name === 'smtp-a')!;
    const mail2 = cfg.nodes.find((n) => n.id === 'mail2')!;
    const r = await providers.get('aws-secondary-ip')!.move(smtpA, mail2, { epoch: 2, deadline: Date.now() + 5000 });
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(ec2.holderOfPrivateIp('10.20.1.100')).toBe('eni-0000000000000e002');
  });

  it('needs no secrets: without credentials the standard chain is used at call time', () => {
    const providers = buildProviders({ config: cfg, credentials: {} });
    expect(providers.get('aws-elastic-ip')?.name).toBe('aws-ec2');
    expect(buildRecordSetPublisher({ config: { ...cfg, dns: [] }, credentials: {} })).toBeUndefined();
  });
});
