import { describe, expect, it } from 'vitest';
import { labClusters } from './harness';

// The owner stays up but stops serving (its check fails), or is stopped on purpose (SIGTERM).
// Both are decided moves, not detections of a death: the handover is break-before-make.
const clusters = labClusters();

describe('peer mode on a LAN: planned and service-driven moves', () => {
  it("a failing service check moves the VIP: h1's responder dies, the client is answered by the new owner", async () => {
    const c = await clusters.webOnH1();
    const run = await c.probe({ vip: 'web', limitMs: 20_000 }, async (mark) => {
      mark('service down');
      c.lab.responder('h1')!.kill('SIGKILL');
      await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
    });
    const r = run.phase('service down');
    console.log(`service check fails: ${run.summary()}`);
    expect(r.recovered, c.report()).toBe(true);
    // The service itself is gone at once: the outage runs from the kill to the new owner (fall 2 × 500 ms, then the move).
    expect(r.outageMs, c.report()).toBeLessThan(5000);
    expect(['h2', 'h3']).toContain(r.firstAnswerAfterOutage?.by);
    expect(c.holders('web')).toHaveLength(1);
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    expect(c.problems()).toEqual([]);
    // Decided from h1's own failing check, not from a silence: h1's agent is alive and says why.
    const status = await c.status('n1');
    expect(status.held).toEqual([]);
    expect(status.peer.quorum?.ok).toBe(true);
  }, 60_000);

  it('SIGTERM: the leaving heartbeat hands the VIP over at once, far below deadAfter, never two at once', async () => {
    const c = await clusters.webOnH1();
    const run = await c.probe({ vip: 'web', limitMs: 30_000 }, async (mark) => {
      mark('sigterm');
      c.agent('n1').signal('SIGTERM');
      await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
      expect(await c.agent('n1').exited(10_000)).toBe('0');
    });
    const r = run.phase('sigterm');
    console.log(`graceful stop: ${run.summary()}`);
    expect(r.recovered, c.report()).toBe(true);
    expect(r.outageMs, c.report()).toBeLessThan(c.config.timers.deadAfter);
    expect(['h2', 'h3']).toContain(r.segments.at(-1)?.by);
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    expect(c.problems()).toEqual([]);
    const logs = c.agent('n1').logs();
    expect(
      logs.some((l) => l.msg === 'leaving heartbeat delivered'),
      c.report(),
    ).toBe(true);
  }, 70_000);
});
