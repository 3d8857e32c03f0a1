import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../core/config';
import { heartbeatVerifier } from '../../core/heartbeat';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { Route53Core, Route53RecordSetPublisher } from '../../adapters/aws/route53';
import { MemoryStore } from '../../adapters/memory-store';
import { systemClock } from '../../lib/clock';
import { Route53Emulator } from '../../sim/aws-route53';
import { seedFromConfig } from '../../sim/aws-route53/from-config';
import { controlContext, type ControlContext } from '../../control/context';
import { handleHeartbeat } from '../../control/heartbeat';
import { memoryLog } from '../../lib/log';
import { tick, type TickResult } from '../../control/tick';
import { FAST, PSK, signer } from './helpers/clusters';
import { TestAgent } from './helpers/test-agent';

const ZONE = 'Z0000000000TEST1';
const config = loadConfig({
  cluster: 'mail',
  security: { psk: PSK },
  timers: FAST,
  control: { mode: 'local', liveness: 'direct' },
  nodes: [
    { id: 'a', interface: 'eth0' },
    { id: 'b', interface: 'eth0' },
  ],
  vips: [
    { name: 'smtp-a', address: '198.18.5.1/24', eligible: { nodes: ['a'] } },
    { name: 'smtp-b', address: '198.18.5.2/24', preferred: 'b' },
  ],
  dns: [{ hostedZoneId: ZONE, name: 'smtp.example.net', ttl: 30, vips: ['smtp-a', 'smtp-b'] }],
});

let emu: Route53Emulator;
let core: Route53Core;
let ctx: ControlContext;
let store: MemoryStore;
const verifier = heartbeatVerifier(config);
const agents = {
  a: new TestAgent('a', { config, signer: signer(), url: () => '' }),
  b: new TestAgent('b', { config, signer: signer(), url: () => '' }),
};

beforeEach(async () => {
  emu = new Route53Emulator({
    seed: { ...seedFromConfig(config), zones: seedFromConfig(config).zones.map((z) => ({ ...z, records: [] })) },
    settings: { propagationDelayMs: 30, requestsPerSecond: 1000 },
  });
  await emu.start(0);
  core = new Route53Core({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 1000,
    pollMs: 20,
    logger: pino({ enabled: false }),
  });
  store = new MemoryStore();
  ctx = controlContext({
    config,
    store,
    clock: systemClock,
    log: memoryLog(),
    providers: [new BareMetalProvider()],
    publisher: new Route53RecordSetPublisher({ core }),
  });
});
afterEach(async () => {
  core.close();
  await emu.close();
});

const beat = async (...ids: Array<'a' | 'b'>) => {
  for (const id of ids) expect((await handleHeartbeat(ctx, verifier, agents[id].seal())).status).toBe(200);
};
const done = (r: TickResult) => (r.status === 'done' ? r : Promise.reject(new Error(r.status)));
const values = () => emu.recordSet(ZONE, 'smtp.example.net', 'A')?.values ?? [];

describe('round-robin DNS membership', () => {
  it('lists exactly the VIPs with an owner, after each commit that changes ownership', async () => {
    await beat('a', 'b');
    await done(await tick(ctx, { trigger: { kind: 'api', at: Date.now(), detail: 'start' } }));
    expect(values()).toEqual(['198.18.5.1', '198.18.5.2']);
    expect((await store.listEvents('mail')).events.filter((e) => e.kind === 'dns')).toEqual([
      expect.objectContaining({
        detail: 'smtp.example.net: 198.18.5.1, 198.18.5.2',
        outcome: { ok: true, changed: true, calls: expect.any(Number) },
      }),
    ]);

    await new Promise((r) => setTimeout(r, 400)); // a is dead; smtp-a can go nowhere else
    await beat('b');
    const r = await done(await tick(ctx, { trigger: { kind: 'api', at: Date.now(), detail: 'a silent' } }));
    expect(r.moves).toMatchObject([{ vip: 'smtp-a', from: 'a', to: null }]);
    expect(values()).toEqual(['198.18.5.2']);
  });

  it('a scheduled tick repairs a record changed by hand; a quiet one records nothing', async () => {
    await beat('a', 'b');
    await tick(ctx, { trigger: { kind: 'api', at: Date.now(), detail: 'start' } });
    const events = (await store.listEvents('mail')).events.length;
    await done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect((await store.listEvents('mail')).events).toHaveLength(events);

    const res = await fetch(`${emu.url}/__admin/change`, {
      method: 'POST',
      body: JSON.stringify({
        zoneId: ZONE,
        changes: [{ action: 'UPSERT', name: 'smtp.example.net', type: 'A', ttl: 30, values: ['192.0.2.9'] }],
      }),
    });
    expect(res.status).toBe(200);
    await beat('a', 'b');
    await done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect(values()).toEqual(['198.18.5.1', '198.18.5.2']);
    expect((await store.listEvents('mail')).events[0]).toMatchObject({
      kind: 'dns',
      outcome: { ok: true, changed: true },
    });
  });
});
