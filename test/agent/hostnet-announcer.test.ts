import { describe, expect, it } from 'vitest';
import type { HostAddress } from '../../core/ports';
import { Announcer, type AnnouncerOptions } from '../../agent/hostnet/announcer';
import { HostNetError } from '../../agent/hostnet/errors';
import { RecordingHostNet } from '../../agent/hostnet/recording';
import { ManualClock, settle } from '../helpers/manual-clock';

const vip: HostAddress = { address: '198.18.0.50', prefixLength: 24, family: 4, interface: 'eth0' };
const vip2: HostAddress = { address: '198.18.0.51', prefixLength: 24, family: 4, interface: 'eth0' };

function setup(overrides: Partial<AnnouncerOptions> = {}) {
  const clock = new ManualClock(0);
  const host = new RecordingHostNet({ now: () => clock.now() });
  const errors: Array<{ err: unknown; addr: HostAddress; phase: string; afterStop: boolean }> = [];
  const announcer = new Announcer({
    hostNet: host,
    clock,
    count: 3,
    spacingMs: 200,
    refreshMs: 1000,
    onError: (err, addr, ctx) => errors.push({ err, addr, ...ctx }),
    ...overrides,
  });
  const times = (a: HostAddress = vip) =>
    host
      .only('announce')
      .filter((o) => o.addr?.address === a.address)
      .map((o) => o.at);
  return { clock, host, errors, announcer, times };
}

describe('Announcer', () => {
  it('announces count times at spacing right away, then every refresh interval', async () => {
    const { clock, announcer, times, host } = setup();
    expect(announcer.start(vip)).toBe(true);
    await clock.advance(3500);
    expect(times()).toEqual([0, 200, 400, 1400, 2400, 3400]);
    expect(host.only('announce').every((o) => o.count === 1)).toBe(true);
    announcer.stopAll();
  });

  it('stops on stop(): no announcement after it, no timer left', async () => {
    const { clock, announcer, times } = setup();
    announcer.start(vip);
    await clock.advance(1500);
    expect(announcer.stop(vip)).toBe(true);
    await clock.advance(5000);
    expect(times()).toEqual([0, 200, 400, 1400]);
    expect(clock.pending()).toBe(0);
    expect(announcer.active()).toEqual([]);
    expect(announcer.stop(vip)).toBe(false);
  });

  it('stops in the middle of the burst', async () => {
    const { clock, announcer, times } = setup();
    announcer.start(vip);
    await clock.advance(250);
    announcer.stop(vip);
    await clock.advance(5000);
    expect(times()).toEqual([0, 200]);
  });

  it('start is idempotent; restart begins a fresh burst', async () => {
    const { clock, announcer, times } = setup();
    announcer.start(vip);
    await clock.advance(100);
    expect(announcer.start(vip)).toBe(false);
    await clock.advance(600);
    expect(times()).toEqual([0, 200, 400]);
    announcer.restart(vip);
    await clock.advance(500);
    expect(times()).toEqual([0, 200, 400, 700, 900, 1100]);
    announcer.stopAll();
  });

  it('keeps addresses apart', async () => {
    const { clock, announcer, times } = setup();
    announcer.start(vip);
    await clock.advance(300);
    announcer.start(vip2);
    await clock.advance(1200);
    announcer.stop(vip);
    await clock.advance(1000);
    expect(times(vip)).toEqual([0, 200, 400, 1400]);
    expect(times(vip2)).toEqual([300, 500, 700, 1700]);
    expect(announcer.active().map((a) => a.address)).toEqual(['198.18.0.51']);
    announcer.stopAll();
    expect(clock.pending()).toBe(0);
  });

  it('refreshMs 0 announces the burst only', async () => {
    const { clock, announcer, times } = setup({ refreshMs: 0 });
    announcer.start(vip);
    await clock.advance(10_000);
    expect(times()).toEqual([0, 200, 400]);
    expect(clock.pending()).toBe(0);
  });

  it('reports a failed announcement through onError and keeps going', async () => {
    const { clock, announcer, times, host, errors } = setup();
    host.failNext('announce', 'transient', 'arping: sendto: Network is down');
    announcer.start(vip);
    await clock.advance(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err).toBeInstanceOf(HostNetError);
    expect((errors[0]!.err as HostNetError).reason).toBe('transient');
    expect(errors[0]).toMatchObject({ phase: 'burst', afterStop: false, addr: vip });
    expect(times()).toEqual([0, 200, 400]); // the failed one is recorded too, and the others still go
    expect(host.only('announce')[0]!.error).toContain('Network is down');
    announcer.stopAll();
  });

  it('marks failures that land after stop as afterStop', async () => {
    const clock = new ManualClock(0);
    const rejecters: Array<(e: Error) => void> = [];
    const errors: Array<{ afterStop: boolean }> = [];
    const announcer = new Announcer({
      hostNet: { announce: () => new Promise<void>((_, reject) => rejecters.push(reject)) },
      clock,
      count: 1,
      refreshMs: 0,
      onError: (_e, _a, ctx) => errors.push(ctx),
    });
    announcer.start(vip);
    await settle();
    announcer.stop(vip);
    rejecters[0]!(new Error('arping: bind: Cannot assign requested address'));
    await announcer.idle();
    expect(errors).toEqual([{ phase: 'burst', afterStop: true }]);
  });

  it('skips and reports when announcements pile up (a hung announce)', async () => {
    const clock = new ManualClock(0);
    const calls: number[] = [];
    const errors: string[] = [];
    const announcer = new Announcer({
      hostNet: { announce: () => (calls.push(clock.now()), new Promise<void>(() => {})) },
      clock,
      count: 3,
      spacingMs: 100,
      refreshMs: 100,
      maxInFlight: 2,
      onError: (e) => errors.push((e as Error).message),
    });
    announcer.start(vip);
    await clock.advance(350);
    expect(calls).toEqual([0, 100]);
    expect(errors).toEqual([
      'announce 198.18.0.50 skipped: 2 still running',
      'announce 198.18.0.50 skipped: 2 still running',
    ]);
    announcer.stopAll();
  });

  it('never lets a throwing onError escape into a timer', async () => {
    const { clock, host } = setup();
    const announcer = new Announcer({
      hostNet: host,
      clock,
      count: 2,
      spacingMs: 100,
      refreshMs: 0,
      onError: () => {
        throw new Error('callback bug');
      },
    });
    host.failNext('announce', 'transient');
    announcer.start(vip);
    await clock.advance(200);
    await announcer.idle();
    expect(host.only('announce')).toHaveLength(2); // the second still went after the callback threw
  });
});
