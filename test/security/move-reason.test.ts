import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { MAX_REASON } from '../../control/operator';
import { lanCluster, signer } from '../control/helpers/clusters';
import { TestAgent } from '../control/helpers/test-agent';

// Issue 17, finding 8 (the part in the API): a manual move's reason was bounded only by the body
// cap; it is kept in the pin, the event and every /v1/status answer.
const TOKEN = 'operator-token-0123456789';
const config = lanCluster({ nodes: 2, control: { mode: 'local', liveness: 'direct', apiToken: TOKEN } });
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
  const agents = ['n1', 'n2'].map(
    (n) => new TestAgent(n, { config, signer: signer(), url: () => `${cp.url}/v1/heartbeat` }),
  );
  for (const a of agents) await a.beat();
  await cp.tickNow();
  for (const a of agents) await a.beat();
});
afterEach(async () => cp.close());

async function move(reason: string) {
  const res = await fetch(`${cp.url}/v1/move`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ vip: 'smtp', node: 'n2', reason }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { reason: string; message: string } } };
}

async function state() {
  const [group, events] = await Promise.all([
    cp.ctx.store.loadGroup(cp.ctx.group),
    cp.ctx.store.listEvents(cp.ctx.group),
  ]);
  return { assignments: group.assignments, version: group.version, events: events.events.map((e) => e.id) };
}

describe('security: bounded move reasons', () => {
  it(`a reason over ${MAX_REASON} characters is refused with 400 and moves nothing`, async () => {
    const before = await state();
    expect(before.assignments.find((a) => a.vip === 'smtp')?.node).toBe('n1');
    const reply = await move('x'.repeat(MAX_REASON + 1));
    expect(reply).toMatchObject({
      status: 400,
      body: { error: { reason: 'invalid', message: expect.stringContaining(`at most ${MAX_REASON}`) } },
    });
    expect(await state()).toEqual(before);
    expect((await move('y'.repeat(60_000))).status).toBe(400);
    expect(await state()).toEqual(before);
  });

  it(`a reason of ${MAX_REASON} characters is taken`, async () => {
    expect((await move('z'.repeat(MAX_REASON))).status).toBe(200);
    expect((await state()).assignments.find((a) => a.vip === 'smtp')?.node).toBe('n2');
  });
});
