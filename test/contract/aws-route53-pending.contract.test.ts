import { afterEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../sim/common/profile';
import { ROUTE53_MOVE_DEADLINE_MS } from '../../adapters/aws/route53/provider';
import { route53World, type Route53World } from '../adapters/aws/ec2/fixtures';

/**
 * A Route 53 change still PENDING at the move's 90 s deadline, under the emulator's real profile
 * (300 ms calls, 5 requests a second) on a clock 50 times the wall clock, the move on that clock.
 * Propagation here takes 150 s: slower than the documented "within 60 seconds", which is a
 * typical figure, not a promise. The change is accepted: the move counts as moved, with no verified
 * mark; the provider reports it until GetChange says INSYNC and never sends it again.
 */
const SCALE = 50;
const PROPAGATION_MS = 150_000;

let w: Route53World;
afterEach(async () => w?.close());

describe('aws-route53: accepted, not in sync by the deadline', () => {
  it('counts as moved, stays a diagnostic until INSYNC, and is never changed twice', async () => {
    const clock = scaledClock(SCALE);
    w = await route53World({ propagationDelayMs: PROPAGATION_MS }, undefined, {
      profile: 'real',
      clock,
      adapterRequestsPerSecond: 5 * SCALE,
    });
    const webmail = w.vip('webmail');
    const start = clock.now();
    const r = await w.provider.move(webmail, w.node('b'), {
      epoch: 1,
      deadline: start + ROUTE53_MOVE_DEADLINE_MS,
      clock,
    });
    const ended = clock.now();

    if (!r.ok) throw new Error(`move failed: ${r.message}`);
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(r.acceptedAt).toBeGreaterThanOrEqual(start);
    expect(r.verifiedAt).toBeUndefined();
    expect(r.detail).toMatch(/accepted, not in sync by the deadline/);
    // Ended at its deadline, not after; 5 s of emulator time is 100 ms of wall time, room for a loaded 2-core host.
    expect(ended).toBeLessThanOrEqual(start + ROUTE53_MOVE_DEADLINE_MS + 5000);
    expect(w.changes()).toBe(1);
    // The API already holds the new record (what drift reads): nothing for a drift round to repair.
    expect((await w.provider.observe([webmail])).get('webmail')).toEqual({ node: 'b' });
    expect(w.emu.dnsAnswer('webmail.example.net', 'A')).toEqual([]); // resolvers: not yet

    const pendingNow = await w.provider.diagnose([webmail]);
    expect(pendingNow).toHaveLength(1);
    expect(pendingNow[0]).toMatchObject({ vip: 'webmail', nodes: ['b'] });
    expect(pendingNow[0]!.message).toMatch(/not in sync yet \(GetChange: PENDING\).*not sent again/);

    // A later drift round, once propagation is done: INSYNC, the diagnostic gone, still one change.
    await clock.sleep(r.acceptedAt! + PROPAGATION_MS + 1000 - clock.now());
    expect(await w.provider.diagnose([webmail])).toEqual([]);
    expect(w.emu.dnsAnswer('webmail.example.net', 'A')).toEqual(['203.0.113.2']);
    expect(w.changes()).toBe(1);
    expect(await w.provider.diagnose([webmail])).toEqual([]);
    expect(w.emu.calls.count({ action: 'GetChange' })).toBeGreaterThan(0);
  });
});
