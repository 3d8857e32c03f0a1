import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configDigest } from '../../../core/config';
import { hmacSigner } from '../../../core/heartbeat';
import { systemClock } from '../../../lib/clock';
import { CheckRunner, type CheckResult } from '../../../agent/checks';
import {
  endedBy,
  HeartbeatBuilder,
  HeartbeatClient,
  HttpTransport,
  type SendOptions,
  type SendResult,
} from '../../../agent/heartbeat';
import type { HookFailure } from '../../../agent/hooks';
import { lan } from '../../helpers/configs';
import { ManualClock } from '../../helpers/manual-clock';
import { startHeartbeatReceiver, type HeartbeatReceiver } from '../../helpers/heartbeat-receiver';

const cluster = lan({ nodes: 1, vips: [{ name: 'v1' }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function client(
  receiver: HeartbeatReceiver,
  opts: {
    intervalMs: number;
    timeoutMs?: number;
    maxBackoffMs?: number;
    checks?: () => Record<string, { ok: boolean; detail?: string }>;
    failures?: HookFailure[];
    maxBytes?: number;
    logger?: pino.Logger;
  },
) {
  const results: SendResult[] = [];
  const failures = opts.failures ?? [];
  const transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n1' });
  const builder = new HeartbeatBuilder({
    cluster: 'test',
    node: 'n1',
    configDigest: configDigest(cluster),
    signer: hmacSigner('test-psk-0123456789abcdef'),
    now: Date.now,
    sources: {
      checks: opts.checks ?? (() => ({})),
      held: () => [],
      applied: () => ({}),
      takeHookFailures: () => failures.splice(0),
    },
  });
  const c = new HeartbeatClient({
    builder,
    transport,
    clock: systemClock,
    intervalMs: opts.intervalMs,
    timeoutMs: opts.timeoutMs,
    maxBackoffMs: opts.maxBackoffMs,
    random: () => 1,
    maxBytes: opts.maxBytes,
    logger: opts.logger,
    returnHookFailures: (f) => failures.unshift(...f),
    onResult: (r) => results.push(r),
  });
  return {
    c,
    results,
    failures,
    close: async () => {
      await c.stop();
      await transport.close();
    },
  };
}

/** Heartbeats with nothing in them, on a test's clock: for tests of the schedule. */
function emptyBuilder(clock: ManualClock): HeartbeatBuilder {
  return new HeartbeatBuilder({
    cluster: 'test',
    node: 'n1',
    configDigest: configDigest(cluster),
    signer: hmacSigner('test-psk-0123456789abcdef'),
    now: () => clock.now(),
    sources: { checks: () => ({}), held: () => [], applied: () => ({}), takeHookFailures: () => [] },
  });
}

describe('HeartbeatClient', () => {
  let receiver: HeartbeatReceiver | undefined;
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    await receiver?.close();
    receiver = stop = undefined;
  });

  it('sends one heartbeat per interval and hands every answer on', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    receiver.assign('n1', [{ vip: 'v1', epoch: 2 }]);
    const t = client(receiver, { intervalMs: 100 });
    stop = t.close;
    t.c.start();
    await sleep(1050);
    await t.c.stop();
    expect(receiver.received.length).toBeGreaterThanOrEqual(9);
    expect(receiver.received.length).toBeLessThanOrEqual(12);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver!.received[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50); // fixed rate: no bursts, whatever the first connect cost
    expect(t.results.every((r) => r.kind === 'answer' && r.answer.assignments[0]?.epoch === 2)).toBe(true);
    expect(t.c.status()).toMatchObject({ reachable: true, consecutiveFailures: 0 });
  });

  it('keeps to the grid that starts at its origin, through a slow answer and through backoff', async () => {
    const START = 1_000_000;
    const clock = new ManualClock(START);
    const sentAt: number[] = [];
    const script: Array<'ok' | 'slow' | 'fail'> = ['ok', 'slow', 'ok', 'fail', 'fail', 'ok', 'ok'];
    const transport = {
      target: 'scripted',
      async send(): Promise<SendResult> {
        sentAt.push(clock.now() - START);
        const step = script.shift() ?? 'ok';
        if (step === 'fail') return { kind: 'failed', reason: 'unreachable', message: 'connection refused' };
        if (step === 'slow') await clock.sleep(130);
        return { kind: 'sent', rttMs: step === 'slow' ? 130 : 1 };
      },
      close: async () => {},
    };
    const builder = emptyBuilder(clock);
    const c = new HeartbeatClient({
      builder,
      transport,
      clock,
      intervalMs: 200,
      maxBackoffMs: 1600,
      random: () => 0.5,
    });
    await clock.advance(70); // the agent's clean slate took 70 ms after it fixed the origin
    c.start(START);
    await clock.advance(2000 - 70);
    await c.stop();
    // 70: the first at once, then the grid: 200; the slow one (200 → 330) still leads to 400; 600
    // fails: backoff 150 ms, to the grid → 800; fails again: 300 ms → 1100, to the grid → 1200;
    // answered: every 200 ms again.
    expect(sentAt).toEqual([70, 200, 400, 600, 800, 1200, 1400, 1600, 1800, 2000]);
  });

  it("ends a hung exchange as a timeout at the next heartbeat's instant, on the timer that starts that heartbeat", async () => {
    const START = 1_000_000;
    const clock = new ManualClock(START);
    const sentAt: number[] = [];
    let hang = true;
    const transport = {
      target: 'scripted',
      send(_envelope: string, options: SendOptions): Promise<SendResult> {
        sentAt.push(clock.now() - START);
        if (!hang) return Promise.resolve({ kind: 'sent', rttMs: 1 });
        return options.until!.then((why): SendResult => ({ kind: 'failed', ...endedBy(why) }));
      },
      close: async () => {},
    };
    const builder = emptyBuilder(clock);
    const results: SendResult[] = [];
    const c = new HeartbeatClient({
      builder,
      transport,
      clock,
      intervalMs: 200,
      maxBackoffMs: 1600,
      random: () => 0,
      onResult: (r) => results.push(r),
    });
    c.start();
    const woken = clock.woken;
    await clock.advance(200);
    expect(results).toEqual([
      { kind: 'failed', reason: 'timeout', message: 'no answer before the next heartbeat was due' },
    ]);
    expect(clock.woken - woken).toBe(1); // one timer: the deadline and the next heartbeat's start
    hang = false;
    await clock.advance(400);
    // Backoff after one failure is 100 ms from the one that hung (random 0: half of 200), and the
    // grid's next instant from there is 200; after the answer the interval again.
    expect(sentAt).toEqual([0, 200, 400, 600]);
    expect(c.status()).toMatchObject({ reachable: true, consecutiveFailures: 0 });
    await c.stop();
  });

  it('backs off exponentially while the control plane fails, and returns to the interval when it is back', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    receiver.setMode('fail-500');
    const t = client(receiver, { intervalMs: 50, maxBackoffMs: 400 });
    stop = t.close;
    t.c.start();
    await sleep(1300);
    // Fixed-rate would be 26 attempts; 50, 100, 200, 400, 400… leaves about 6.
    const whileDown = receiver.requests();
    expect(whileDown).toBeGreaterThanOrEqual(4);
    expect(whileDown).toBeLessThanOrEqual(8);
    expect(t.c.status()).toMatchObject({ reachable: false, lastFailure: { kind: 'failed', reason: 'server-error' } });
    receiver.setMode('answer');
    await receiver.next(() => true, 1000);
    const back = receiver.received.length;
    await sleep(520);
    expect(receiver.received.length - back).toBeGreaterThanOrEqual(8);
    expect(t.c.status()).toMatchObject({ reachable: true, consecutiveFailures: 0 });
  });

  it('gives up on a hung control plane within its timeout and keeps trying', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    receiver.setMode('hang');
    const t = client(receiver, { intervalMs: 100, timeoutMs: 60, maxBackoffMs: 100 });
    stop = t.close;
    t.c.start();
    await sleep(700);
    expect(t.results.length).toBeGreaterThanOrEqual(5);
    expect(t.results.every((r) => r.kind === 'failed' && r.reason === 'timeout')).toBe(true);
  });

  it('never holds up the checks: they keep their schedule while every heartbeat hangs', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    receiver.setMode('hang');
    const runner = new CheckRunner({
      clock: systemClock,
      checks: {
        cp: { kind: 'tcp', target: `127.0.0.1:${receiver.port}`, interval: 100, timeout: 80, rise: 1, fall: 1 },
      },
    });
    const results: CheckResult[] = [];
    runner.on('result', (r) => results.push(r));
    const t = client(receiver, { intervalMs: 100, timeoutMs: 90, maxBackoffMs: 100, checks: () => runner.states() });
    stop = async () => {
      await t.close();
      await runner.stop();
    };
    runner.start();
    t.c.start();
    await sleep(1000);
    expect(results.length).toBeGreaterThanOrEqual(8);
    expect(results.every((r) => r.outcome.ok)).toBe(true);
    expect(t.results.every((r) => r.kind === 'failed' && r.reason === 'timeout')).toBe(true);
  });

  it('carries hook failures in the next heartbeat that is delivered, not the one that was lost', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    receiver.setMode('fail-500');
    const failures: HookFailure[] = [{ vip: 'v1', hook: 'up', error: 'exit code 1', at: 5 }];
    const t = client(receiver, { intervalMs: 50, maxBackoffMs: 50, failures });
    stop = t.close;
    t.c.start();
    await sleep(200);
    receiver.setMode('answer');
    const delivered = await receiver.next(() => true, 1000);
    expect(delivered.hookFailures).toEqual([{ vip: 'v1', hook: 'up', error: 'exit code 1', at: 5 }]);
    const after = await receiver.next(() => true, 1000);
    expect(after.hookFailures).toEqual([]);
  });

  it('says once, not every interval, that its heartbeats are larger than the receiver takes', async () => {
    const small = lan({ nodes: 1, vips: [{ name: 'v1' }] });
    small.security.maxHeartbeatBytes = 600;
    receiver = await startHeartbeatReceiver(small);
    const lines: Array<{ msg: string }> = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as { msg: string }), done()),
    });
    const t = client(receiver, {
      intervalMs: 50,
      maxBackoffMs: 50,
      maxBytes: 600,
      logger: pino({ level: 'warn' }, sink),
      checks: () => ({ big: { ok: true, detail: 'x'.repeat(300) }, big2: { ok: true, detail: 'y'.repeat(300) } }),
    });
    stop = t.close;
    t.c.start();
    await sleep(400);
    expect(receiver.refused.length).toBeGreaterThanOrEqual(3);
    expect(new Set(receiver.refused)).toEqual(new Set(['too-large']));
    expect(t.results[0]).toMatchObject({ kind: 'refused', status: 413, reason: 'too-large' });
    expect(lines.filter((l) => l.msg.includes('more than security.maxHeartbeatBytes 600'))).toHaveLength(1);
  });

  it('sends one leaving heartbeat after the schedule has stopped', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    const t = client(receiver, { intervalMs: 100 });
    stop = t.close;
    t.c.start();
    await receiver.next(() => true, 1000);
    await t.c.stop();
    const r = await t.c.sendLeaving(300);
    expect(r.kind).toBe('answer');
    const last = receiver.received.at(-1)!.heartbeat;
    expect(last.leaving).toBe(true);
    expect(receiver.received.filter((x) => x.heartbeat.leaving)).toHaveLength(1);
  });
});
