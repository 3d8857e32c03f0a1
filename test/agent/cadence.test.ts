import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gridAtOrAfter, nextDue } from '../../agent/cadence';

describe('cadence grid', () => {
  it.each([
    // origin, period, t, expected
    [1000, 200, 1000, 1000],
    [1000, 200, 1001, 1200],
    [1000, 200, 1199, 1200],
    [1000, 200, 1200, 1200],
    [1000, 200, 999, 1000],
    [1000, 200, 801, 1000],
    [1000, 2000, 1201, 3000],
  ])('gridAtOrAfter(%i, %i, %i) = %i', (origin, period, t, expected) => {
    expect(gridAtOrAfter(origin, period, t)).toBe(expected);
  });

  it('refuses a period that is not positive', () => {
    expect(() => gridAtOrAfter(0, 0, 5)).toThrow(/positive/);
    expect(() => gridAtOrAfter(0, Number.NaN, 5)).toThrow(/positive/);
  });

  it.each([
    // due, now, expected: origin 0, period 200
    [1000, 1003, 1200, 'on time: one period later'],
    [1000, 999, 1200, 'a timer that fired a millisecond early does not run the same instant twice'],
    [1000, 1200, 1200, 'finished exactly at the next instant'],
    [1000, 1201, 1400, 'held up past the next instant: the missed one is skipped'],
    [1000, 1750, 1800, 'held up for several periods: skips to the next instant ahead'],
    [1030, 1031, 1200, 'work that started off the grid joins it at its next instant'],
  ])('nextDue(due %i, now %i) = %i (%s)', (due, now, expected) => {
    expect(nextDue(0, 200, due, now)).toBe(expected);
  });

  it('checks whose periods are multiples of the heartbeat interval fall due on heartbeat instants', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 1e7 }),
        (origin, beat, multiple, offset) => {
          const check = gridAtOrAfter(origin, beat * multiple, origin + offset);
          expect(gridAtOrAfter(origin, beat, check)).toBe(check);
        },
      ),
    );
  });

  it('the next instant is on the grid, after both the instant that was due and now, and less than a period past them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: -5, max: 1e6 }),
        (origin, period, k, late) => {
          const due = origin + k * period + (k % 3 === 0 ? 0 : k % period);
          const now = due + late;
          const next = nextDue(origin, period, due, now);
          expect((next - origin) % period).toBe(0);
          expect(next).toBeGreaterThan(due);
          expect(next).toBeGreaterThanOrEqual(now);
          expect(next - Math.max(due, now)).toBeLessThanOrEqual(period);
        },
      ),
    );
  });
});
