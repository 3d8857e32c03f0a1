import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatAnswerSchema } from '../../core/heartbeat';
import { StoreError } from '../../core/ports';
import { heartbeatHandler } from '../../functions/heartbeat';
import { tick } from '../../control/tick';
import { signer } from '../control/helpers/clusters';
import { startDynalite, type LocalDynamo } from '../control/helpers/dynalite';
import { TestAgent } from '../control/helpers/test-agent';
import { waitFor } from '../control/helpers/wait';
import { lambdaContext, urlEvent } from './events';
import { functionWorld } from './world';

// Powertools writes logs and EMF to stdout; the tests read the store instead (metrics have their own test).
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
});

/** Sends one heartbeat through the handler, as the function URL would deliver it, and applies the answer. */
async function invoke(agent: TestAgent, opts: { base64?: boolean; envelope?: string } = {}) {
  const res = await heartbeatHandler(
    w!.rt,
    urlEvent({ body: opts.envelope ?? agent.seal(), ...(opts.base64 ? { base64: true } : {}) }),
    lambdaContext(),
  );
  const body: unknown = JSON.parse(String(res.body));
  if (res.statusCode === 200) agent.apply(HeartbeatAnswerSchema.parse(body));
  return { status: res.statusCode, body, headers: res.headers };
}

const agentsFor = () =>
  Object.fromEntries(
    ['n1', 'n2', 'n3'].map((n) => [n, new TestAgent(n, { config: w!.config, signer: signer(), url: () => '' })]),
  ) as Record<'n1' | 'n2' | 'n3', TestAgent>;

describe('heartbeat function', () => {
  it('answers a base64-encoded heartbeat, as function URLs may deliver it', async () => {
    w = await functionWorld(dynamo);
    const { n1 } = agentsFor();
    const r = await invoke(n1, { base64: true });
    expect(r).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { v: 1, cluster: 'mail', node: 'n1' },
    });
    expect((await w.rt.store.loadGroup('mail')).nodes.get('n1')!.guard.seq).toBe(1);
  });

  it("refuses forged and replayed heartbeats with the protocol's codes and stores nothing", async () => {
    w = await functionWorld(dynamo);
    const { n1 } = agentsFor();
    const env = n1.seal();
    expect((await invoke(n1, { envelope: env })).status).toBe(200);
    const before = await w.rt.store.loadGroup('mail');
    expect(await invoke(n1, { envelope: env })).toMatchObject({ status: 409, body: { error: { reason: 'replayed' } } });
    const e = JSON.parse(env) as { payload: string };
    const forged = JSON.stringify({ ...e, payload: e.payload.replace('"leaving":false', '"leaving":true') });
    expect(await invoke(n1, { envelope: forged })).toMatchObject({
      status: 401,
      body: { error: { reason: 'bad-signature' } },
    });
    expect(await invoke(n1, { envelope: 'garbage' })).toMatchObject({
      status: 400,
      body: { error: { reason: 'malformed' } },
    });
    expect(await w.rt.store.loadGroup('mail')).toEqual(before);
    const get = await heartbeatHandler(w.rt, urlEvent({ method: 'GET' }));
    expect(get.statusCode).toBe(405);
  });

  it('one survivor: its heartbeats alone fail the VIP over within deadAfter + one interval, and its answer carries it', async () => {
    w = await functionWorld(dynamo);
    const { n1, n2 } = agentsFor();
    const { deadAfter, heartbeatInterval } = w.config.timers;
    await invoke(n1);
    await invoke(n2);
    await waitFor(async () => (await invoke(n1), n1.applied.mx === 1), { what: 'n1 to hold mx' });
    await invoke(n1); // reports it bound
    const lastN1 = Date.now();
    // n1 is gone; n2 keeps its interval. No schedule runs in this test.
    const gotIt = await waitFor(
      async () => {
        await new Promise((r) => setTimeout(r, heartbeatInterval));
        const r = await invoke(n2);
        return r.status === 200 && n2.applied.mx !== undefined ? Date.now() : undefined;
      },
      { timeoutMs: 3000, stepMs: 1, what: 'n2 to be answered with mx' },
    );
    const e = (await w.rt.store.listEvents('mail')).events.find((x) => x.reason === 'owner-dead')!;
    expect(e).toMatchObject({ from: 'n1', to: 'n2', outcome: { ok: true, changed: true } });
    expect(e.timeline!.detected! - e.timeline!.lastHeartbeat!).toBeLessThanOrEqual(deadAfter + heartbeatInterval + 60);
    expect(gotIt - lastN1).toBeLessThanOrEqual(
      deadAfter + heartbeatInterval + (e.timeline!.apiDone! - e.timeline!.detected!) + 100,
    );
    expect(w.hz.holderServer()).toBe(2);
    console.log(
      `failover ${JSON.stringify({ case: 'lambda heartbeat, one survivor', detectMs: e.timeline!.detected! - e.timeline!.lastHeartbeat!, decideMs: e.timeline!.decided! - e.timeline!.detected!, apiMs: e.timeline!.apiDone! - e.timeline!.apiStart!, verifiedMs: e.timeline!.verified! - e.timeline!.lastHeartbeat!, answeredMs: gotIt - lastN1 })}`,
    );
  });

  it('a store that cannot be reached is a 503 with its reason, never a silent success', async () => {
    w = await functionWorld(dynamo);
    const { n1 } = agentsFor();
    const failing = Object.assign(Object.create(w.rt.store) as typeof w.rt.store, {
      loadGroup: () =>
        Promise.reject(new StoreError('throttled', 'DynamoDB Query failed: ProvisionedThroughputExceededException')),
    });
    const broken = { ...w.rt, ctx: { ...w.rt.ctx, store: failing } };
    const r = await heartbeatHandler(broken, urlEvent({ body: n1.seal() }));
    expect(r.statusCode).toBe(503);
    expect(JSON.parse(String(r.body))).toEqual({
      error: { reason: 'throttled', message: expect.stringContaining('ProvisionedThroughputExceeded') },
    });
  });

  it('the heartbeat tick and the store agree with a scheduled tick run alongside', async () => {
    // Cloud timers: a production-paced Hetzner move (about a second) must not make anyone look dead here.
    w = await functionWorld(dynamo, { timers: { heartbeatInterval: 1000, deadAfter: 3000, preemptDelay: 30_000 } });
    const { n1, n2 } = agentsFor();
    await invoke(n1);
    await invoke(n2);
    const scheduled = await tick(w.rt.ctx, {
      trigger: { kind: 'schedule', at: Date.now(), detail: 'test' },
      repairDrift: true,
    });
    expect(['done', 'busy']).toContain(scheduled.status);
    expect((await w.rt.store.loadGroup('mail')).assignments).toEqual([
      expect.objectContaining({ vip: 'mx', node: 'n1', epoch: 1 }),
    ]);
  });
});
