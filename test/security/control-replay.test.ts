import { afterEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { loadConfig } from '../../core/config';
import { lanCluster, PSK, signer } from '../control/helpers/clusters';
import { TestAgent } from '../control/helpers/test-agent';

// Issue 17, findings 4 and 5: heartbeats captured before a restart of the local control plane
// (memory store) made a dead node look alive; one heartbeat dated ahead locked the real node out.
// The local control plane over HTTP on 127.0.0.1, its state read before and after every attempt.
const config = lanCluster();
const planes: LocalControlPlane[] = [];
const agents: TestAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) a.stop();
  for (const cp of planes.splice(0)) await cp.close();
});

async function start(): Promise<LocalControlPlane> {
  const cp = await startLocalControlPlane({
    config,
    log: memoryLog(),
    listen: '127.0.0.1:0',
    providers: [new BareMetalProvider()],
    deadlines: false,
    tickEveryMs: 3_600_000,
    reconcileEveryMs: 3_600_000,
  });
  planes.push(cp);
  return cp;
}

function agent(node: string, cp: () => { url: string }): TestAgent {
  const a = new TestAgent(node, { config, signer: signer(), url: () => `${cp().url}/v1/heartbeat` });
  agents.push(a);
  return a;
}

async function state(cp: LocalControlPlane) {
  const [group, events] = await Promise.all([
    cp.ctx.store.loadGroup(cp.ctx.group),
    cp.ctx.store.listEvents(cp.ctx.group),
  ]);
  return {
    nodes: Object.fromEntries([...group.nodes].map(([id, r]) => [id, { guard: r.guard, lastSeen: r.view.lastSeen }])),
    assignments: group.assignments,
    version: group.version,
    events: events.events.map((e) => e.id),
  };
}

describe('security: replays after a restart, and lockout by a heartbeat dated ahead', () => {
  it('a restarted control plane refuses heartbeats sent before it started (less deadAfter): the dead node stays unknown', async () => {
    let target = await start();
    const first = target;
    const n1 = agent('n1', () => target);
    // Twenty heartbeats an attacker on the path captured (each delivered once, all 200).
    const captured: string[] = [];
    for (let i = 0; i < 20; i++) {
      const env = n1.seal();
      captured.push(env);
      expect((await n1.post(env)).status).toBe(200);
    }
    await first.close();
    planes.splice(0);
    // n1 dies; the control plane restarts more than deadAfter later, well within the 5 s skew.
    await new Promise((r) => setTimeout(r, config.timers.deadAfter + 100));
    const second = (target = await start());
    const n2 = agent('n2', () => second);
    expect((await n2.beat()).status).toBe(200);
    const before = await state(second);
    for (const env of captured) {
      const reply = await n1.post(env);
      expect(reply).toMatchObject({ status: 409, body: { error: { reason: 'stale' } } });
    }
    expect(await state(second)).toEqual(before);
    expect(before.nodes.n1).toBeUndefined();
  });

  it('a new boot dated ahead within the skew does not lock the real node out; beyond the skew it is refused and changes nothing', async () => {
    const cp = await start();
    const real = agent('n1', () => cp);
    for (let i = 0; i < 3; i++) expect((await real.beat()).status).toBe(200);
    const forger = agent('n1', () => cp);
    forger.bootId = 'forged-boot-0001';
    const beyond = await forger.post(forger.seal({ sentAt: Date.now() + config.security.clockSkew + 2000 }));
    expect(beyond).toMatchObject({ status: 409, body: { error: { reason: 'future' } } });
    const beforeWithin = await state(cp);
    expect(beforeWithin.nodes.n1?.guard.bootId).toBe(real.bootId);
    // Within the skew the forgery (the node's key, or its fast clock) is taken, as a restart would be...
    expect((await forger.post(forger.seal({ sentAt: Date.now() + config.security.clockSkew - 500 }))).status).toBe(200);
    // ...but it pins nothing ahead: the real node's very next heartbeats are taken (they were 409 "replayed" for the skew).
    for (let i = 0; i < 3; i++) expect(await real.beat()).toMatchObject({ status: 200 });
    expect(real.refusals).toEqual([]);
    const after = await state(cp);
    expect(after.nodes.n1?.guard.bootId).toBe(real.bootId);
    expect(after.nodes.n1!.guard.sentAt).toBeLessThanOrEqual(Date.now());
  });

  it('clockSkew defaults to 4 × deadAfter, within 2–30 s, not a minute', () => {
    const skew = (control: Record<string, unknown>, timers: Record<string, unknown> = {}) =>
      loadConfig({
        cluster: 'c',
        control,
        timers,
        security: { psk: PSK },
        nodes: [{ id: 'n1', interface: 'eth0', addresses: ['198.18.0.11'] }],
      }).security.clockSkew;
    expect(skew({ mode: 'local', liveness: 'direct' })).toBe(12_000);
    expect(skew({ mode: 'local' })).toBe(2_400);
    expect(skew({ mode: 'peer' }, { heartbeatInterval: 100, deadAfter: 300 })).toBe(2_000);
    expect(skew({ mode: 'local' }, { heartbeatInterval: 10_000, deadAfter: 60_000 })).toBe(30_000);
    expect(
      loadConfig({
        cluster: 'c',
        security: { psk: PSK, clockSkew: '90s' },
        nodes: [{ id: 'n1', interface: 'eth0', addresses: ['198.18.0.11'] }],
      }).security.clockSkew,
    ).toBe(90_000);
  });
});
