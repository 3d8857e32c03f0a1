import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HeartbeatAnswerSchema } from '../../core/heartbeat';
import { apiHandler } from '../../functions/api';
import { heartbeatHandler } from '../../functions/heartbeat';
import { createRuntime } from '../../functions/runtime';
import { scheduleHandler } from '../../functions/tick';
import { signer } from '../control/helpers/clusters';
import { startDynalite, type LocalDynamo } from '../control/helpers/dynalite';
import { TestAgent } from '../control/helpers/test-agent';
import { lambdaContext, scheduledEvent, urlEvent } from './events';
import { awsClusterText, functionWorld } from './world';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let dynamo: LocalDynamo;
let w: Awaited<ReturnType<typeof functionWorld>> | undefined;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
afterEach(async () => {
  await w?.close();
  w = undefined;
  vi.restoreAllMocks();
});

const OPERATOR = 'arn:aws:iam::123456789012:user/ops';
/** The cloud defaults: slow enough that a provider move (about a second here) kills nobody. */
const CLOUD = { heartbeatInterval: 1000, deadAfter: 3000, preemptDelay: 30_000 };

async function beatAll(...nodes: string[]): Promise<void> {
  for (const n of nodes) {
    const agent = (agents[n] ??= new TestAgent(n, { config: w!.config, signer: signer(), url: () => '' }));
    const res = await heartbeatHandler(w!.rt, urlEvent({ body: agent.seal() }), lambdaContext());
    expect(res.statusCode).toBe(200);
    agent.apply(HeartbeatAnswerSchema.parse(JSON.parse(String(res.body))));
  }
}
let agents: Record<string, TestAgent> = {};

async function api(method: string, path: string, opts: { body?: unknown; query?: string } = {}) {
  const res = await apiHandler(
    w!.rt,
    urlEvent({
      method,
      path,
      ...(opts.query ? { query: opts.query } : {}),
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body), base64: true }),
      callerArn: OPERATOR,
    }),
    lambdaContext(),
  );
  return { status: res.statusCode, body: JSON.parse(String(res.body)) as Record<string, unknown> };
}

describe('tick function (EventBridge schedule)', () => {
  it('reconciles the group and repairs drift made by hand', async () => {
    w = await functionWorld(dynamo, { timers: CLOUD });
    agents = {};
    await beatAll('n1', 'n2', 'n3');
    w.hz.emulator.moveFloatingIp(100, 4);
    const summary = await scheduleHandler(w.rt, scheduledEvent(), lambdaContext());
    expect(summary).toEqual({
      groups: [{ group: 'mail', status: 'done', version: 1, moves: 0, repairs: 1, failed: 0, unowned: 0, dead: 0 }],
    });
    expect(w.hz.holderServer()).toBe(1);
    const { events } = await w.rt.store.listEvents('mail');
    expect(events[0]).toMatchObject({ kind: 'move', reason: 'drift', from: 'n3', to: 'n1', outcome: { ok: true } });
  });

  it('counts dead nodes and unowned VIPs', async () => {
    w = await functionWorld(dynamo);
    agents = {};
    const summary = await scheduleHandler(w.rt, scheduledEvent());
    expect(summary.groups[0]).toMatchObject({ status: 'done', moves: 0, unowned: 1, dead: 3 });
  });
});

describe('api function (IAM-authenticated URL)', () => {
  it('status, drain with the caller recorded, manual move, events', async () => {
    w = await functionWorld(dynamo, { timers: CLOUD });
    agents = {};
    await beatAll('n1', 'n2', 'n3');
    const status = await api('GET', '/v1/status');
    expect(status).toMatchObject({
      status: 200,
      body: { cluster: 'mail', version: 1, vips: [{ vip: 'mx', node: 'n1', epoch: 1 }] },
    });

    const drained = await api('POST', '/v1/drain', { body: { node: 'n1' } });
    expect(drained).toMatchObject({
      status: 200,
      body: {
        node: 'n1',
        draining: true,
        event: { detail: `n1 drained by ${OPERATOR}` },
        moves: [{ vip: 'mx', from: 'n1', reason: 'drain', outcome: { ok: true } }],
      },
    });
    expect((await api('POST', '/v1/undrain', { body: { node: 'n1' } })).status).toBe(200);

    await beatAll('n1', 'n2', 'n3');
    const moved = await api('POST', '/v1/move', { body: { vip: 'mx', node: 'n3', reason: 'kernel update on n2' } });
    expect(moved).toMatchObject({
      status: 200,
      body: { move: { vip: 'mx', to: 'n3', reason: 'manual', outcome: { ok: true } } },
    });
    expect(w.hz.holderServer()).toBe(4);

    const events = await api('GET', '/v1/events', { query: 'limit=2' });
    expect(events.body.events).toMatchObject([
      { reason: 'manual', detail: `kernel update on n2 (by ${OPERATOR})` },
      { kind: 'undrain' },
    ]);
    expect(typeof events.body.next).toBe('string');
    expect((await api('GET', '/v1/plan')).body).toMatchObject({ moves: [] });
    expect((await api('GET', '/v1/nope')).status).toBe(404);
  });
});

describe('module handlers (environment as the CDK app sets it)', () => {
  it('build their runtime once from IPFERRY_CONFIG and answer', async () => {
    w = await functionWorld(dynamo);
    Object.assign(process.env, w.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const { handler } = await import('../../functions/heartbeat');
    const n1 = new TestAgent('n1', { config: w.config, signer: signer(), url: () => '' });
    const first = await handler(urlEvent({ body: n1.seal() }), lambdaContext());
    expect(first.statusCode).toBe(200);
    const second = await handler(urlEvent({ body: n1.seal(), base64: true }), lambdaContext());
    expect(JSON.parse(String(second.body))).toMatchObject({ node: 'n1', assignments: [{ vip: 'mx', epoch: 1 }] });
    expect((await w.rt.store.loadGroup('mail')).nodes.get('n1')!.guard.seq).toBe(2);
  });

  it('a config that does not validate is reported, naming the field', async () => {
    await expect(
      createRuntime({ env: { IPFERRY_CONFIG: 'cluster: mail\nnodes: []\n' }, dynamo: dynamo.client }),
    ).rejects.toThrow(/nodes: at least one node is needed/);
    await expect(createRuntime({ env: {}, dynamo: dynamo.client })).rejects.toThrow(
      /neither IPFERRY_CONFIG_FILE nor IPFERRY_CONFIG is set/,
    );
    await expect(createRuntime({ env: { IPFERRY_CONFIG: awsClusterText() }, dynamo: dynamo.client })).rejects.toThrow(
      /pre-shared key/,
    );
  });

  it('reads the PSK and the Hetzner token from Secrets Manager ids when given', async () => {
    const secrets: Record<string, string> = {
      'ipferry/psk': 'control-test-psk-0123456789\n',
      'ipferry/hetzner': 'test-token',
    };
    const read: string[] = [];
    const rt = await createRuntime({
      env: {
        IPFERRY_CONFIG: awsClusterText(),
        IPFERRY_TABLE: await dynamo.newTable(),
        IPFERRY_PSK_SECRET: 'ipferry/psk',
        IPFERRY_HETZNER_TOKEN_SECRET: 'ipferry/hetzner',
      },
      dynamo: dynamo.client,
      readSecret: async (id) => (read.push(id), secrets[id] ?? Promise.reject(new Error(`no secret ${id}`))),
    });
    expect(read.sort()).toEqual(['ipferry/hetzner', 'ipferry/psk']);
    const n1 = new TestAgent('n1', { config: rt.ctx.config, signer: signer(), url: () => '' });
    expect(rt.verifier.verify(n1.seal(), Date.now(), () => undefined).ok).toBe(true);
  });
});

describe('metrics', () => {
  /** The EMF lines the handlers print for one good and one garbage heartbeat. */
  async function emfOf(env: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    w = await functionWorld(dynamo, { env });
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(
      ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stdout.write,
    );
    try {
      const n1 = new TestAgent('n1', { config: w.config, signer: signer(), url: () => '' });
      await heartbeatHandler(w.rt, urlEvent({ body: n1.seal() }), lambdaContext());
      await heartbeatHandler(w.rt, urlEvent({ body: 'garbage' }), lambdaContext());
      await scheduleHandler(w.rt, scheduledEvent(), lambdaContext(50_000));
    } finally {
      vi.restoreAllMocks();
      process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    }
    return lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  const namesOf = (emf: Array<Record<string, unknown>>): string[] =>
    [
      ...new Set(
        emf.flatMap((e) =>
          (e._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics.flatMap(
            (m) => m.Metrics.map((x) => x.Name),
          ),
        ),
      ),
    ].sort();

  it('IPFERRY_METRICS=detailed: EMF with every name docs/aws-runtime.md promises', async () => {
    const emf = await emfOf({ IPFERRY_METRICS: 'detailed' });
    expect(emf[0]).toMatchObject({ cluster: 'mail', Heartbeats: 1, Decisions: 1, TickDurationMs: expect.any(Number) });
    expect(emf[1]).toMatchObject({ cluster: 'mail', HeartbeatsRefused: 1 });
    expect((emf[0]!._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0]!.Namespace).toBe(
      'ipferry',
    );
    expect(namesOf(emf)).toEqual(
      expect.arrayContaining([
        'NodesDead',
        'UnownedVips',
        'ProviderErrors',
        'Heartbeats',
        'HeartbeatsRefused',
        'TickDurationMs',
        'Decisions',
        'Failovers',
        'ProviderThrottles',
      ]),
    );
  });

  it('by default only the three metrics the default alarms watch, and no line at all for a refused heartbeat', async () => {
    const emf = await emfOf({});
    expect(namesOf(emf)).toEqual(['NodesDead', 'ProviderErrors', 'UnownedVips']);
    expect(emf.find((e) => 'HeartbeatsRefused' in e)).toBeUndefined();
    expect(emf.at(-1)).toMatchObject({ cluster: 'mail', NodesDead: 2, UnownedVips: 0 });
  });
});
