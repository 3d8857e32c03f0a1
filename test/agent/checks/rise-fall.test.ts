import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialState, observe, reportOf, type RiseFallState } from '../../../agent/checks';

const pass = { ok: true, detail: 'up', latencyMs: 1 };
const fail = { ok: false, detail: 'down', latencyMs: 2 };

/** Feeds "+" (success) and "-" (failure) one per second; returns ok after each step and the steps that changed it. */
function play(rise: number, fall: number, steps: string) {
  let state = initialState(0);
  const oks: boolean[] = [];
  const changedAt: number[] = [];
  [...steps].forEach((step, i) => {
    const r = observe(state, step === '+' ? pass : fail, { rise, fall }, (i + 1) * 1000);
    state = r.state;
    oks.push(state.ok);
    if (r.changed) changedAt.push(i + 1);
  });
  return { oks: oks.map((ok) => (ok ? 'U' : 'D')).join(''), changedAt, state };
}

describe('rise/fall state machine', () => {
  it.each([
    // rise, fall, outcomes,      states after each,  changed at step
    [2, 3, '+', 'D', []],
    [2, 3, '++', 'DU', [2]],
    [2, 3, '---', 'DDD', []], // starts unhealthy: failing never "falls"
    [2, 3, '-+-+-+', 'DDDDDD', []], // never two in a row
    [3, 1, '++-+++', 'DDDDDU', [6]], // a failure restarts the rise
    [1, 1, '+-+-', 'UDUD', [1, 2, 3, 4]],
    [2, 3, '+++--+---', 'DUUUUUUUD', [2, 9]], // a success restarts the fall
    [2, 2, '++--++', 'DUUDDU', [2, 4, 6]],
  ])('rise %i, fall %i: %s → %s', (rise, fall, steps, expected, changedAt) => {
    const r = play(rise, fall, steps);
    expect(r.oks).toBe(expected);
    expect(r.changedAt).toEqual(changedAt);
  });

  it('starts unhealthy, since the moment watching began', () => {
    expect(reportOf(initialState(5000))).toEqual({ ok: false, since: 5000, detail: 'not checked yet', latencyMs: 0 });
  });

  it('moves since only when the state changes', () => {
    expect(play(2, 3, '+').state.since).toBe(0);
    expect(play(2, 3, '++').state.since).toBe(2000);
    expect(play(2, 3, '+++-').state.since).toBe(2000);
    expect(play(2, 3, '++---').state.since).toBe(5000);
  });

  it('keeps the detail, latency and warning of the last run, changed or not', () => {
    let state: RiseFallState = initialState(0);
    state = observe(
      state,
      { ok: true, detail: 'tls ok', latencyMs: 3, warning: 'expires in 3 days' },
      { rise: 2, fall: 2 },
      1,
    ).state;
    expect(reportOf(state)).toEqual({
      ok: false,
      since: 0,
      detail: 'tls ok',
      latencyMs: 3,
      warning: 'expires in 3 days',
    });
    state = observe(
      state,
      { ok: false, detail: 'timeout after 1000ms in connect', latencyMs: 1000 },
      { rise: 2, fall: 2 },
      2,
    ).state;
    expect(reportOf(state)).toEqual({
      ok: false,
      since: 0,
      detail: 'timeout after 1000ms in connect',
      latencyMs: 1000,
    });
  });

  it('agrees with the definition on any sequence: the last `rise` all passed → up, the last `fall` all failed → down, else unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (rise, fall, outcomes) => {
          let state = initialState(0);
          let expected = false;
          outcomes.forEach((ok, i) => {
            state = observe(state, ok ? pass : fail, { rise, fall }, i).state;
            const upTo = outcomes.slice(0, i + 1);
            if (upTo.length >= rise && upTo.slice(-rise).every((o) => o)) expected = true;
            else if (upTo.length >= fall && upTo.slice(-fall).every((o) => !o)) expected = false;
            expect(state.ok).toBe(expected);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
