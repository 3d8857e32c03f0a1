import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostAddress } from '../../core/ports';
import { inNetns } from '../../agent/hostnet/command';
import { LinuxHostNet } from '../../agent/hostnet/linux';
import { analyze, createLab, type Lab } from '../../sim/lab';

// What the peer-mode benchmarks will do, by hand: move a VIP and measure what the client saw.
// Bounds are generous on purpose (2 cores, other suites in parallel); real figures are benchmarks'.
let lab: Lab;
const host = (name: string) => new LinuxHostNet({ run: inNetns(lab.member(name).netns) });
const vip = (last: number): HostAddress => ({
  address: `198.18.0.${last}`,
  prefixLength: 24,
  family: 4,
  interface: 'eth0',
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  lab = await createLab({ hosts: 2 });
});

afterAll(async () => {
  await lab?.destroy();
});

describe('the lab measures a failover', () => {
  it('a VIP moved by hand: an outage > 0 and bounded, one responder at a time, h2 answers after', async () => {
    const [h1, h2, addr] = [host('h1'), host('h2'), vip(60)];
    await h1.bind(addr);
    const watch = lab.watchResponders(addr.address, { durationMs: 5000, processes: 2 });
    const prober = await lab.startProber({ vip: addr.address, durationMs: 4000 });
    await sleep(1000);

    const faultAt = Date.now();
    await h1.unbind(addr);
    await sleep(150); // nobody holds it for a while, as when a host dies
    await h2.bind(addr);
    const announced = h2.announce(addr);

    const timeline = await prober.done();
    await announced;
    const rounds = await watch.stop();
    const a = analyze(timeline, { faultAt, arp: rounds });

    expect(timeline.complete).toBe(true);
    expect(a.outageMs).toBeGreaterThan(100);
    expect(a.outageMs).toBeLessThan(2500);
    expect(a.recovered).toBe(true);
    expect(a.firstAnswerAfterOutage?.by).toBe('h2');
    expect(a.segments.map((s) => s.by)).toEqual(['h1', 'h2']);
    expect(a.maxDistinctResponders).toBe(1);
    expect(rounds.length).toBeGreaterThanOrEqual(4); // the watch really watched (2 requests a second)
    expect(new Set(rounds.flatMap((r) => r.hosts))).toEqual(new Set(['h1', 'h2']));
    expect(a.tcpOutageMs).not.toBeNull();
    expect(timeline.tcp.some((t) => t.by === 'h2')).toBe(true);
    await h2.unbind(addr);
  });

  it('a VIP bound on two hosts at once: the watch sees two responders to one request', async () => {
    const [h1, h2, addr] = [host('h1'), host('h2'), vip(61)];
    await h1.bind(addr);
    await h2.bind(addr);
    const watch = lab.watchResponders(addr.address, { durationMs: 3000, processes: 2 });
    const prober = await lab.startProber({ vip: addr.address, durationMs: 2500, tcpIntervalMs: 0 });
    const timeline = await prober.done();
    const rounds = await watch.stop();
    const a = analyze(timeline, { faultAt: timeline.startedAt, arp: rounds });

    expect(watch.maxDistinct()).toBe(2);
    expect(a.maxDistinctResponders).toBe(2);
    expect(rounds.some((r) => [...r.hosts].sort().join() === 'h1,h2')).toBe(true);
    expect(a.outageMs).toBe(0); // the client itself only ever talks to one of them
    expect(Object.keys(a.answeredBy)).toHaveLength(1);
    await h1.unbind(addr);
    await h2.unbind(addr);
  });

  it('IPv6: a VIP moved by hand with an unsolicited NA, and two holders seen by the ND watch', async () => {
    const [h1, h2] = [host('h1'), host('h2')];
    const addr: HostAddress = { address: '2001:db8::60', prefixLength: 64, family: 6, interface: 'eth0' };
    await h1.bind(addr);
    const watch = lab.watchResponders(addr.address, { durationMs: 4000 });
    const prober = await lab.startProber({ vip: addr.address, durationMs: 3000 });
    await sleep(800);
    const faultAt = Date.now();
    await h1.unbind(addr);
    await sleep(150);
    await h2.bind(addr);
    await h2.announce(addr);
    const a = analyze(await prober.done(), { faultAt, arp: watch.rounds() });
    expect(a.outageMs).toBeGreaterThan(100);
    expect(a.outageMs).toBeLessThan(2500);
    expect(a.firstAnswerAfterOutage?.by).toBe('h2');
    expect(a.maxDistinctResponders).toBe(1);

    await h1.bind(addr); // now both hold it
    const since = Date.now();
    await expect.poll(() => watch.maxDistinct(since), { timeout: 3000, interval: 100 }).toBe(2);
    const rounds = await watch.stop();
    expect(rounds.some((r) => r.at >= since && [...r.hosts].sort().join() === 'h1,h2')).toBe(true);
    await h1.unbind(addr);
    await h2.unbind(addr);
  });
});
