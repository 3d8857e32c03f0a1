import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RecordingHostNet } from '../../../agent/hostnet';
import { RoundSchedule } from '../../../agent/reconcile';
import { ManualClock } from '../../helpers/manual-clock';

const START = 1_000_000;

function setup() {
  const clock = new ManualClock(START);
  const wakes: number[] = [];
  const schedule = new RoundSchedule({
    clock,
    logger: pino({ enabled: false }),
    heartbeatMs: 200,
    listEveryMs: 1000,
    quietListEveryMs: 10_000,
    lossAfterMs: 600,
    wake: () => wakes.push(clock.now() - START),
  });
  return { clock, schedule, wakes };
}

describe('RoundSchedule', () => {
  it('wakes only when answers stop: at the control-loss deadline, then one interval after the listing is due', async () => {
    const { clock, schedule, wakes } = setup();
    schedule.start(new RecordingHostNet({ now: () => clock.now() }));
    schedule.listing(clock.now());
    schedule.rearm();
    for (let i = 0; i < 10; i++) {
      await clock.advance(200);
      schedule.answered(clock.now());
      if (schedule.roundDue(clock.now())) schedule.listing(clock.now()); // the answer's round lists
      schedule.rearm(); // each answer moves the deadline later; the timer follows
    }
    expect(wakes).toEqual([]); // listings rode on the answers at 1000 and 2000
    await clock.advance(700);
    expect(wakes).toEqual([2601]); // 600 ms of silence after the last answer, at 2000
    expect(schedule.silent(clock.now())).toBe(true);
    schedule.lossActedOn = true;
    schedule.listing(clock.now());
    schedule.rearm();
    await clock.advance(1200);
    expect(wakes).toEqual([2601, 3900]); // listed at 2700: the next is due at 3700, plus one interval of grace
  });

  it('a round is due after a change, or when a listing is due; starting one clears both', () => {
    const { clock, schedule } = setup();
    expect(schedule.roundDue(clock.now())).toBe(true); // the first round: the clean slate
    schedule.listing(clock.now());
    expect(schedule.roundDue(clock.now())).toBe(false);
    schedule.needsRound = true;
    expect(schedule.roundDue(clock.now())).toBe(true);
    schedule.listing(clock.now());
    expect(schedule.roundDue(clock.now() + 999)).toBe(false);
    expect(schedule.roundDue(clock.now() + 1000)).toBe(true);
  });

  it('after stop() the timer is gone and nothing wakes', async () => {
    const { clock, schedule, wakes } = setup();
    schedule.start(new RecordingHostNet({ now: () => clock.now() }));
    schedule.rearm();
    schedule.stop();
    schedule.rearm();
    await clock.advance(5000);
    expect(wakes).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});
