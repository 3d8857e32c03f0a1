import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';
import { heartbeatVerifier } from '../../core/heartbeat';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { MemoryStore } from '../../adapters/memory-store';
import { controlContext } from '../../control/context';
import { handleHeartbeat } from '../../control/heartbeat';
import { memoryLog } from '../../lib/log';
import { tick } from '../../control/tick';
import { ManualClock } from '../helpers/manual-clock';
import { PSK, signer } from './helpers/clusters';
import { TestAgent } from './helpers/test-agent';

describe('scale', () => {
  it('10,240 VIPs on 4 nodes: one node dies, one commit moves its share, each move recorded', async () => {
    const nodes = ['a', 'b', 'c', 'd'];
    const config = loadConfig({
      cluster: 'big',
      security: { psk: PSK },
      control: { mode: 'local', liveness: 'direct' },
      timers: { heartbeatInterval: 1000, deadAfter: 3000 },
      nodes: nodes.map((id) => ({ id, interface: 'eth0' })),
      vips: Array.from({ length: 10_240 }, (_, i) => ({
        name: `v${i}`,
        address: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}/16`,
      })),
    });
    const clock = new ManualClock(1_700_000_000_000);
    const store = new MemoryStore({ maxEvents: 50_000 });
    const ctx = controlContext({
      config,
      store,
      clock,
      log: memoryLog(),
      providers: [new BareMetalProvider({ clock })],
      tuning: { moveConcurrency: 64 },
    });
    const verifier = heartbeatVerifier(config);
    const agents = nodes.map(
      (n) => new TestAgent(n, { config, signer: signer(), url: () => '', now: () => clock.now() }),
    );
    for (const a of agents) await handleHeartbeat(ctx, verifier, a.seal());
    const first = await tick(ctx, { trigger: { kind: 'api', at: clock.now(), detail: 'start' } });
    expect(first).toMatchObject({ status: 'done', committed: true, version: 1 });
    const before = (await store.loadGroup('big')).assignments.filter((a) => a.node === 'd').length;
    expect(before).toBeGreaterThan(2000);

    await clock.advance(4000);
    for (const a of agents.slice(0, 3)) await handleHeartbeat(ctx, verifier, a.seal());
    const r = await tick(ctx, { trigger: { kind: 'deadline', at: clock.now(), detail: 'd silent' } });
    if (r.status !== 'done') throw new Error(r.status);
    expect(r).toMatchObject({ committed: true, version: 2, failed: 0 });
    expect(r.moves).toHaveLength(before);
    expect(r.moves.every((m) => m.from === 'd' && m.reason === 'owner-dead' && m.outcome?.ok)).toBe(true);
    const after = (await store.loadGroup('big')).assignments;
    expect(after.filter((a) => a.node === 'd')).toHaveLength(0);
    const loads = ['a', 'b', 'c'].map((n) => after.filter((a) => a.node === n).length);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    expect(
      (await store.listEvents('big', { limit: 1000 })).events.filter((e) => e.reason === 'owner-dead'),
    ).toHaveLength(1000);
  });
});
