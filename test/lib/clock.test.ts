import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock';
import { activeResources, leakedSince } from '../helpers/handles';

describe('systemClock', () => {
  it('sleeps about as long as asked, with or without a signal', async () => {
    const stop = new AbortController();
    const started = performance.now();
    await Promise.all([systemClock.sleep(30), systemClock.sleep(30, stop.signal)]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it("wakes every sleep on a signal when it aborts, rejecting with the signal's reason, and leaves no timer behind", async () => {
    const baseline = activeResources();
    const stop = new AbortController();
    const sleeps = [
      systemClock.sleep(60_000, stop.signal),
      systemClock.sleep(30_000, stop.signal),
      systemClock.sleep(10, stop.signal),
    ];
    await sleeps[2]; // one that ended by time does not disturb the others
    const reason = new Error('agent stopping');
    stop.abort(reason);
    for (const s of sleeps.slice(0, 2)) await expect(s).rejects.toBe(reason);
    await expect(systemClock.sleep(10, stop.signal)).rejects.toBe(reason); // already aborted: at once
    expect(await leakedSince(baseline)).toEqual({});
  });

  it('adds one abort listener per signal, however many sleeps it has seen', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 20; i++) await systemClock.sleep(0, stop.signal);
    const pending = [1, 2, 3, 4, 5].map((n) => systemClock.sleep(n * 60_000, stop.signal).catch((err: unknown) => err));
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    stop.abort(new Error('done'));
    expect(await Promise.all(pending)).toEqual(pending.map(() => new Error('done')));
  });
});
