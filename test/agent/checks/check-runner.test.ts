import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../lib/clock';
import { CheckRunner, type CheckChange, type CheckOutcome, type CheckSpec, type Probe } from '../../../agent/checks';
import { activeResources, leakedSince } from '../../helpers/handles';
import { ManualClock, settle } from '../../helpers/manual-clock';
import { spec } from './specs';

const START = 1_000_000;
const ok = (detail = 'up'): CheckOutcome => ({ ok: true, detail, latencyMs: 1 });
const bad = (detail = 'down'): CheckOutcome => ({ ok: false, detail, latencyMs: 1 });

/**
 * A probe the test answers by hand: every call waits until `answer` ends it. Like the real checks it
 * ends when its signal aborts, unless `stubborn` (a probe that hangs and ignores the abort).
 */
function scriptedProbe(options: { stubborn?: boolean } = {}) {
  const calls: Array<{ target: string; signal: AbortSignal; answer: (o: CheckOutcome) => void }> = [];
  const probe: Probe = (s, { signal }) =>
    new Promise<CheckOutcome>((resolve) => {
      calls.push({ target: 'target' in s ? String(s.target) : s.kind, signal, answer: resolve });
      if (!options.stubborn) signal.addEventListener('abort', () => resolve(bad('aborted')));
    });
  const open = () => calls.filter((c) => !c.signal.aborted);
  return { probe, calls, callsTo: (target: string) => calls.filter((c) => c.target === target), open };
}

/** A probe that answers at once from a list of outcomes, then keeps giving the last one. */
function fixedProbe(outcomes: CheckOutcome[]): Probe & { runs: () => number } {
  let runs = 0;
  const probe = async () => outcomes[Math.min(runs++, outcomes.length - 1)]!;
  return Object.assign(probe, { runs: () => runs });
}

const tcp = (target: string, timing: Record<string, unknown> = {}): CheckSpec =>
  spec({ kind: 'tcp', target, interval: 1000, timeout: 500, rise: 2, fall: 2, ...timing });

describe('CheckRunner', () => {
  it('runs every check at start, then once per its own interval', async () => {
    const clock = new ManualClock(START);
    const script = scriptedProbe();
    const runner = new CheckRunner({
      clock,
      probe: script.probe,
      checks: { fast: tcp('a:1'), slow: tcp('b:1', { interval: 3000, timeout: 1000 }) },
    });
    runner.start();
    await settle();
    expect([script.callsTo('a:1').length, script.callsTo('b:1').length]).toEqual([1, 1]);
    for (let second = 1; second <= 6; second++) {
      for (const c of script.open()) c.answer(ok());
      await clock.advance(1000);
    }
    expect([script.callsTo('a:1').length, script.callsTo('b:1').length]).toEqual([7, 3]);
    await runner.stop();
  });

  it('runs on the grid that starts at the origin it is given, so checks fall due together, and a late run does not shift the schedule', async () => {
    const clock = new ManualClock(START);
    const runs: Array<[string, number]> = [];
    const probe: Probe = async (s) => {
      runs.push(['target' in s ? String(s.target) : s.kind, clock.now() - START]);
      return ok();
    };
    const runner = new CheckRunner({
      clock,
      probe,
      checks: { one: tcp('a:1'), two: tcp('b:1', { interval: 2000, timeout: 1000 }) },
    });
    await clock.advance(300); // the agent fixed its origin at START, then spent 300 ms on its clean slate
    runner.start(START);
    await settle();
    await clock.advance(1700); // to START + 2000
    clock.jump(1250); // the event loop is held up past START + 3000
    await clock.advance(1750); // to START + 5000
    // Within one instant the order is the timers', which does not matter.
    expect(runs.sort(([a, at], [b, bt]) => at - bt || a.localeCompare(b))).toEqual([
      ['a:1', 300],
      ['b:1', 300],
      ['a:1', 1000],
      ['a:1', 2000],
      ['b:1', 2000],
      ['a:1', 3250], // the overdue run, once
      ['a:1', 4000], // back on the grid, not 1000 ms after the late run
      ['b:1', 4000], // on the grid all along
      ['a:1', 5000],
    ]);
    await runner.stop();
  });

  it('starts unhealthy and turns healthy after rise successes, since that moment', async () => {
    const clock = new ManualClock(START);
    const runner = new CheckRunner({ clock, probe: fixedProbe([ok('banner ok')]), checks: { smtp: tcp('a:25') } });
    expect(runner.states()).toEqual({ smtp: { ok: false, since: START, detail: 'not checked yet', latencyMs: 0 } });
    runner.start();
    await settle();
    expect(runner.states().smtp).toMatchObject({ ok: false, detail: 'banner ok', since: START });
    await clock.advance(1000);
    expect(runner.states().smtp).toEqual({ ok: true, since: START + 1000, detail: 'banner ok', latencyMs: 1 });
    await runner.stop();
  });

  it('emits one change per state change, and a result per run', async () => {
    const clock = new ManualClock(START);
    const probe = fixedProbe([ok(), ok(), ok(), ok(), bad(), bad(), bad(), bad(), ok(), ok()]);
    const runner = new CheckRunner({ clock, probe, checks: { web: tcp('a:80') } });
    const changes: CheckChange[] = [];
    let results = 0;
    runner.on('change', (c) => changes.push(c));
    runner.on('result', () => results++);
    runner.start();
    await clock.advance(9000);
    expect(results).toBe(10);
    expect(changes.map((c) => [c.name, c.previous.ok, c.state.ok, c.state.since])).toEqual([
      ['web', false, true, START + 1000],
      ['web', true, false, START + 5000],
      ['web', false, true, START + 9000],
    ]);
    await runner.stop();
  });

  it('never runs a check twice at once: an overrun is aborted and counted as a failure', async () => {
    const clock = new ManualClock(START);
    const script = scriptedProbe({ stubborn: true });
    const runner = new CheckRunner({ clock, probe: script.probe, checks: { imap: tcp('a:143') } });
    const changes: CheckChange[] = [];
    runner.on('change', (c) => changes.push(c));
    runner.start();
    await settle();
    script.calls[0]!.answer(ok());
    await clock.advance(1000);
    script.calls[1]!.answer(ok());
    await settle();
    expect(runner.states().imap!.ok).toBe(true);

    await clock.advance(1000); // third run starts and hangs
    expect(script.calls).toHaveLength(3);
    await clock.advance(1000); // due again while the third is still running
    expect(script.calls).toHaveLength(3);
    expect(script.calls[2]!.signal.aborted).toBe(true);
    expect(runner.states().imap).toMatchObject({
      ok: true,
      detail: 'still running 1000ms after it started (timeout 500ms); aborted',
    });
    await clock.advance(1000); // and again: a hung check must still fall
    expect(script.calls).toHaveLength(3);
    expect(runner.states().imap).toMatchObject({
      ok: false,
      since: START + 4000,
      detail: 'still running 2000ms after it started (timeout 500ms); aborted',
    });

    script.calls[2]!.answer(ok('late')); // a late answer from an aborted run is ignored
    await settle();
    expect(runner.states().imap!.detail).not.toBe('late');
    await clock.advance(1000);
    expect(script.calls).toHaveLength(4); // the schedule goes on once the run has ended
    expect(changes.map((c) => c.state.ok)).toEqual([true, false]);
    script.calls[3]!.answer(ok());
    await runner.stop();
  });

  it('counts an overrun once when the run ends on its abort, and runs again at the next interval', async () => {
    const clock = new ManualClock(START);
    const script = scriptedProbe();
    const runner = new CheckRunner({ clock, probe: script.probe, checks: { pop3: tcp('a:110') } });
    const results: string[] = [];
    runner.on('result', (r) => results.push(r.outcome.detail));
    runner.start();
    await clock.advance(1000);
    expect(results).toEqual(['still running 1000ms after it started (timeout 500ms); aborted']);
    expect(script.calls).toHaveLength(1);
    await clock.advance(1000);
    expect(script.calls).toHaveLength(2);
    expect(script.calls[1]!.signal.aborted).toBe(false);
    await runner.stop();
  });

  it('keeps other checks on schedule while one hangs', async () => {
    const clock = new ManualClock(START);
    const script = scriptedProbe({ stubborn: true });
    const runner = new CheckRunner({ clock, probe: script.probe, checks: { hung: tcp('h:1'), fine: tcp('f:1') } });
    runner.start();
    for (let i = 0; i < 5; i++) {
      await settle();
      for (const c of script.callsTo('f:1')) c.answer(ok());
      await clock.advance(1000);
    }
    expect(script.callsTo('h:1')).toHaveLength(1);
    expect(script.callsTo('f:1')).toHaveLength(6);
    expect(runner.states()).toMatchObject({ hung: { ok: false }, fine: { ok: true } });
    for (const c of script.calls) c.answer(ok()); // let the stubborn ones end, so stop() can finish
    await runner.stop();
  });

  it('counts a probe that throws as a failure and keeps going', async () => {
    const clock = new ManualClock(START);
    let runs = 0;
    const probe: Probe = async () => {
      runs++;
      throw new Error('boom');
    };
    const runner = new CheckRunner({ clock, probe, checks: { x: tcp('a:1') } });
    runner.on('change', () => {
      throw new Error('a listener that throws');
    });
    runner.start();
    await clock.advance(2000);
    expect(runs).toBe(3);
    expect(runner.states().x).toMatchObject({ ok: false, detail: 'check threw: boom' });
    await runner.stop();
  });

  it('stop() aborts runs in flight, cancels every timer and emits nothing more', async () => {
    const clock = new ManualClock(START);
    const script = scriptedProbe();
    const runner = new CheckRunner({ clock, probe: script.probe, checks: { a: tcp('a:1'), b: tcp('b:1') } });
    let events = 0;
    runner.on('result', () => events++);
    runner.start();
    runner.start(); // a second start does not double the schedule
    await settle();
    expect(script.calls).toHaveLength(2);
    expect(clock.pending()).toBe(2);

    const stopping = runner.stop();
    expect(script.calls.every((c) => c.signal.aborted)).toBe(true);
    await stopping; // resolves because the probes ended when their signals aborted
    expect(clock.pending()).toBe(0);
    await clock.advance(10_000);
    expect(script.calls).toHaveLength(2);
    expect(events).toBe(0);
    expect(() => runner.start()).toThrow(/already stopped/);
    await expect(runner.stop()).resolves.toBeUndefined();
  });

  it('with real checks and the real clock: detects a service going away, and stop() leaves nothing behind', async () => {
    const server = net.createServer((s) => s.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const before = activeResources();
    const runner = new CheckRunner({
      clock: systemClock,
      checks: { svc: tcp(target, { interval: 50, timeout: 40, rise: 1, fall: 1 }) },
    });
    const next = () =>
      new Promise<CheckChange>((resolve, reject) => {
        const off = runner.on('change', (c) => {
          off();
          clearTimeout(t);
          resolve(c);
        });
        const t = setTimeout(() => reject(new Error('no state change within 2s')), 2000);
      });
    runner.start();
    expect((await next()).state).toMatchObject({ ok: true, detail: `connected to ${target}` });
    const down = next();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect((await down).state).toMatchObject({ ok: false, detail: expect.stringContaining('ECONNREFUSED') });
    await runner.stop();
    expect(await leakedSince(before)).toEqual({});
  });
});
