import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { lanCluster, signer } from '../control/helpers/clusters';
import { TestAgent } from '../control/helpers/test-agent';

// Issue 17, finding 9: a signed hookFailures[].at = 9e15 was stored, then turning it into a date
// threw and the control plane answered 503 — after the heartbeat had changed its state.
const config = lanCluster();
let cp: LocalControlPlane;

beforeEach(async () => {
  cp = await startLocalControlPlane({
    config,
    log: memoryLog(),
    listen: '127.0.0.1:0',
    providers: [new BareMetalProvider()],
    deadlines: false,
    tickEveryMs: 3_600_000,
    reconcileEveryMs: 3_600_000,
  });
});
afterEach(async () => cp.close());

async function state() {
  const [group, events] = await Promise.all([
    cp.ctx.store.loadGroup(cp.ctx.group),
    cp.ctx.store.listEvents(cp.ctx.group),
  ]);
  return {
    guards: Object.fromEntries([...group.nodes].map(([id, r]) => [id, r.guard])),
    version: group.version,
    events: events.events.map((e) => e.id),
  };
}

describe('security: hook failure times from the network', () => {
  it.each([9e15, -1, 0])('a signed hook failure at %s is refused as malformed (400) and stores nothing', async (at) => {
    const n1 = new TestAgent('n1', { config, signer: signer(), url: () => `${cp.url}/v1/heartbeat` });
    expect((await n1.beat()).status).toBe(200);
    const before = await state();
    const reply = await n1.beat({ hookFailures: [{ vip: 'smtp', hook: 'up', error: 'boom', at }] });
    expect(reply).toMatchObject({
      status: 400,
      body: { error: { reason: 'malformed', message: expect.stringContaining('hookFailures.0.at') } },
    });
    expect(await state()).toEqual(before);
  });

  it('a plausible time is still taken and recorded as an event', async () => {
    const n1 = new TestAgent('n1', { config, signer: signer(), url: () => `${cp.url}/v1/heartbeat` });
    expect((await n1.beat({ hookFailures: [{ vip: 'smtp', hook: 'up', error: 'boom', at: Date.now() }] })).status).toBe(
      200,
    );
    const events = await cp.ctx.store.listEvents(cp.ctx.group);
    expect(events.events.filter((e) => e.kind === 'hook-failure')).toHaveLength(1);
  });
});
