import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../core/config';
import type { HostAddress } from '../../../core/ports';
import type { Transition } from '../../../agent/hooks';
import { RecordingHostNet } from '../../../agent/hostnet';
import { Imds } from '../../../agent/identity';
import { Reconciler, SecondaryIpGate, type BindGate } from '../../../agent/reconcile';
import { config, lan } from '../../helpers/configs';
import { startFakeImds, type FakeImds } from '../../helpers/imds-server';
import { ManualClock } from '../../helpers/manual-clock';

const START = 1_000_000;
const eth0 = (address: string, prefixLength = 24): HostAddress => ({
  address,
  prefixLength,
  family: 4,
  interface: 'eth0',
});

function setup(cluster: Config, opts: { initial?: HostAddress[]; gate?: BindGate } = {}) {
  const clock = new ManualClock(START);
  const host = new RecordingHostNet({ now: () => clock.now(), initial: opts.initial });
  const transitions: Transition[] = [];
  const counts = { bound: 0, unbound: 0, failed: [] as string[] };
  const rec = new Reconciler({
    config: cluster,
    node: cluster.nodes[0]!,
    hostNet: host,
    clock,
    logger: pino({ enabled: false }),
    hooks: { transition: (t) => transitions.push(t) },
    gate: opts.gate,
    events: {
      bound: () => counts.bound++,
      unbound: () => counts.unbound++,
      failed: (op, vip, reason) => counts.failed.push(`${op} ${vip ?? '-'} ${reason}`),
    },
  });
  const changes = () =>
    host.operations.filter((o) => o.op === 'bind' || o.op === 'unbind').map((o) => `${o.op} ${o.addr!.address}`);
  const states = () => transitions.map((t) => `${t.vip} ${t.state}@${t.epoch}${t.released ? ' released' : ''}`);
  return { clock, host, rec, transitions, counts, changes, states };
}

const twoVips = () =>
  lan({
    nodes: 2,
    vips: [{ name: 'rel' }, { name: 'hold', onControlLoss: 'hold', announce: { count: 2, spacing: 200, refresh: 0 } }],
  });

describe('Reconciler', () => {
  let rec: Reconciler | undefined;
  afterEach(async () => {
    await rec?.stop();
    rec = undefined;
  });

  it('starts from a clean slate: removes managed VIPs it does not own, never other addresses', async () => {
    const t = setup(twoVips(), { initial: [eth0('198.18.0.101'), eth0('198.18.0.11'), eth0('198.18.0.102')] });
    rec = t.rec;
    await t.rec.round();
    expect(t.changes()).toEqual(['unbind 198.18.0.101', 'unbind 198.18.0.102']);
    expect(t.host.has(eth0('198.18.0.11'))).toBe(true);
    expect(t.states()).toEqual(['rel down@0 released', 'hold down@0 released']);
    expect(t.rec.held()).toEqual([]);
  });

  it('binds what the answer assigns, announces it, and is idempotent afterwards', async () => {
    const t = setup(twoVips());
    rec = t.rec;
    t.rec.accept([{ vip: 'hold', epoch: 3 }]);
    await t.rec.round();
    expect(t.changes()).toEqual(['bind 198.18.0.102']);
    expect(t.rec.held()).toEqual(['hold']);
    expect(t.rec.appliedEpochs()).toEqual({ hold: 3 });
    expect(t.states()).toEqual(['hold up@3']);
    await t.clock.advance(200);
    expect(t.host.only('announce').map((o) => [o.at - START, o.addr!.address])).toEqual([
      [0, '198.18.0.102'],
      [200, '198.18.0.102'],
    ]);
    for (let i = 0; i < 3; i++) await t.rec.round();
    t.rec.accept([{ vip: 'hold', epoch: 3 }]);
    await t.rec.round();
    expect(t.changes()).toEqual(['bind 198.18.0.102']);
    expect(t.counts.bound).toBe(1);
  });

  it('keeps announcing while it owns a VIP (seed 000), and stops once it lets go', async () => {
    const t = setup(lan({ nodes: 1, vips: [{ name: 'smtp', announce: { count: 1, refresh: 5000 } }] }));
    rec = t.rec;
    t.rec.accept([{ vip: 'smtp', epoch: 1 }]);
    await t.rec.round();
    await t.clock.advance(15_000);
    expect(t.host.only('announce').map((o) => o.at - START)).toEqual([0, 5000, 10_000, 15_000]);
    t.rec.accept([]);
    await t.rec.round();
    await t.clock.advance(20_000);
    expect(t.host.only('announce')).toHaveLength(4);
    expect(t.changes()).toEqual(['bind 198.18.0.101', 'unbind 198.18.0.101']);
  });

  it('unbinds a VIP the answer no longer lists', async () => {
    const t = setup(twoVips());
    rec = t.rec;
    t.rec.accept([
      { vip: 'rel', epoch: 1 },
      { vip: 'hold', epoch: 1 },
    ]);
    await t.rec.round();
    t.rec.accept([{ vip: 'hold', epoch: 1 }]);
    await t.rec.round();
    expect(t.changes()).toEqual(['bind 198.18.0.101', 'bind 198.18.0.102', 'unbind 198.18.0.101']);
    expect(t.states()).toEqual(['rel up@1', 'hold up@1', 'rel down@1 released']);
    expect(t.rec.held()).toEqual(['hold']);
  });

  it('never applies an assignment older than one it has applied (epochs fence)', async () => {
    const t = setup(twoVips());
    rec = t.rec;
    t.rec.accept([{ vip: 'rel', epoch: 7 }]);
    await t.rec.round();
    expect(t.rec.accept([{ vip: 'rel', epoch: 5 }]).fenced).toEqual([{ vip: 'rel', epoch: 5, applied: 7 }]);
    await t.rec.round();
    expect(t.rec.appliedEpochs()).toEqual({ rel: 7 });
    t.rec.accept([]);
    await t.rec.round();
    t.rec.accept([{ vip: 'rel', epoch: 6 }]);
    await t.rec.round();
    expect(t.rec.held()).toEqual([]);
    t.rec.accept([{ vip: 'rel', epoch: 7 }]);
    await t.rec.round();
    t.rec.accept([{ vip: 'rel', epoch: 9 }]);
    await t.rec.round();
    expect(t.changes()).toEqual(['bind 198.18.0.101', 'unbind 198.18.0.101', 'bind 198.18.0.101']);
    expect(t.rec.appliedEpochs()).toEqual({ rel: 9 });
  });

  it('on control loss releases VIPs marked release and holds the others; takes them back with the next answer', async () => {
    const t = setup(twoVips());
    rec = t.rec;
    t.rec.start();
    t.rec.accept([
      { vip: 'rel', epoch: 2 },
      { vip: 'hold', epoch: 2 },
    ]);
    await t.rec.round();
    await t.clock.advance(3000); // deadAfter is 3000: not yet lost
    expect(t.rec.held()).toEqual(['hold', 'rel']);
    await t.clock.advance(1000);
    expect(t.rec.controlLost()).toBe(true);
    expect(t.rec.held()).toEqual(['hold']);
    expect(t.states()).toEqual(['rel up@2', 'hold up@2', 'rel fault@2 released']);
    await t.clock.advance(5000);
    expect(t.changes()).toEqual(['bind 198.18.0.101', 'bind 198.18.0.102', 'unbind 198.18.0.101']);
    t.rec.accept([
      { vip: 'rel', epoch: 2 },
      { vip: 'hold', epoch: 2 },
    ]);
    await t.rec.round();
    expect(t.rec.held()).toEqual(['hold', 'rel']);
  });

  it('logs a failed bind with its reason, notifies fault once, and retries next round', async () => {
    const t = setup(twoVips());
    rec = t.rec;
    t.rec.accept([{ vip: 'rel', epoch: 1 }]);
    t.host.failNext('bind', 'forbidden', 'Operation not permitted');
    t.host.failNext('bind', 'forbidden', 'Operation not permitted');
    await t.rec.round(); // the answer's round and this one: both fail
    expect(t.rec.status().find((s) => s.name === 'rel')).toMatchObject({
      state: 'pending',
      detail: 'Operation not permitted',
    });
    await t.rec.round();
    expect(t.rec.held()).toEqual(['rel']);
    expect(t.counts.failed).toEqual(['bind rel forbidden', 'bind rel forbidden']);
    expect(t.states()).toEqual(['rel fault@1', 'rel up@1']);
  });

  it('retries a failed unbind and a failed listing next round', async () => {
    const t = setup(twoVips(), { initial: [eth0('198.18.0.101')] });
    rec = t.rec;
    t.host.failNext('bound', 'transient', 'ip timed out');
    await t.rec.round();
    t.host.failNext('unbind', 'transient', 'ip timed out');
    await t.rec.round();
    expect(t.host.has(eth0('198.18.0.101'))).toBe(true);
    await t.rec.round();
    expect(t.host.has(eth0('198.18.0.101'))).toBe(false);
    expect(t.counts.failed).toEqual(['list - transient', 'unbind rel transient']);
  });

  it('binds again an owned address that someone removed', async () => {
    const t = setup(twoVips());
    rec = t.rec;
    t.rec.accept([{ vip: 'rel', epoch: 1 }]);
    await t.rec.round();
    await t.host.unbind(eth0('198.18.0.101'));
    await t.rec.round();
    expect(t.host.has(eth0('198.18.0.101'))).toBe(true);
    expect(t.counts.bound).toBe(2);
  });

  it('lists the host at most once a second while nothing changes, and at once when an answer changes something', async () => {
    const t = setup(
      lan({
        nodes: 1,
        timers: { heartbeatInterval: 200, deadAfter: 600 },
        vips: [{ name: 'v', onControlLoss: 'hold', announce: { count: 1, refresh: 0 } }],
      }),
    );
    rec = t.rec;
    t.rec.start();
    t.rec.accept([{ vip: 'v', epoch: 1 }]);
    await t.clock.advance(10);
    const listings = () => t.host.only('bound').map((o) => o.at - START);
    expect(listings()).toEqual([0, 0]);
    const woken = t.clock.woken;
    for (let i = 0; i < 25; i++) {
      await t.clock.advance(200);
      t.rec.accept([{ vip: 'v', epoch: 1 }]); // the steady state: the same answer every interval
    }
    // Listings ride on answers, and the loop's own timer never went off: no wake-up of its own.
    expect(listings()).toEqual([0, 0, 1010, 2010, 3010, 4010, 5010]);
    expect(t.clock.woken).toBe(woken);
    t.rec.accept([]);
    await t.clock.advance(0);
    expect(listings().slice(-2)).toEqual([5010, 5010]);
    expect(t.changes()).toEqual(['bind 198.18.0.101', 'unbind 198.18.0.101']);
    // With no more answers the loop lists by itself, one interval after the listing is due, and
    // acts on control loss exactly at deadAfter (600 ms after the last answer, held VIP kept).
    await t.clock.advance(2400);
    expect(listings().slice(-3)).toEqual([5010, 5611, 6811]);
  });

  it('lists rarely while the host reports address changes, at once after one, and every second while the watch is lost and not yet back', async () => {
    const clock = new ManualClock(START);
    const host = new RecordingHostNet({ now: () => clock.now(), watchable: true });
    const cluster = lan({
      nodes: 1,
      timers: { heartbeatInterval: 200, deadAfter: 600 },
      vips: [{ name: 'v', onControlLoss: 'hold', announce: { count: 1, refresh: 0 } }],
    });
    const r = new Reconciler({
      config: cluster,
      node: cluster.nodes[0]!,
      hostNet: host,
      clock,
      logger: pino({ enabled: false }),
      quietListEveryMs: 10_000,
    });
    rec = r;
    const listings = () => host.only('bound').map((o) => o.at - START);
    const answerEvery200msFor = async (ms: number) => {
      for (let t = 0; t < ms; t += 200) {
        await clock.advance(200);
        r.accept([{ vip: 'v', epoch: 1 }]);
      }
    };
    r.start();
    r.accept([{ vip: 'v', epoch: 1 }]);
    await clock.advance(10);
    await answerEvery200msFor(6000);
    // The start and the assignment, then the usual rate for the watch's first two seconds (its own
    // bind was reported too), then nothing: no change, and the quiet interval is 10 s.
    expect(listings()).toEqual([0, 0, 1010]);
    await host.unbind(eth0('198.18.0.101')); // someone removes the VIP
    await clock.advance(0);
    expect(listings().at(-1)).toBe(6010); // listed at once, not at the next quiet listing
    expect(host.has(eth0('198.18.0.101'))).toBe(true);
    await answerEvery200msFor(7000);
    // The rebind was reported: one more listing a second later, then quiet until 10 s after it.
    expect(listings().slice(3)).toEqual([6010, 7010]);
    host.loseWatch('ip monitor exited (SIGKILL)');
    await answerEvery200msFor(3000);
    // Listed at once and then every second; watched again a second after the loss, and quiet
    // again once that watch has run for two seconds.
    expect(listings().slice(5)).toEqual([13010, 14010, 15010]);
    host.loseWatch('ip monitor exited (SIGKILL)');
    await answerEvery200msFor(6000);
    // Lost again soon after: the next watch waits twice as long (2 s), listing every second meanwhile.
    expect(listings().slice(8)).toEqual([16010, 17010, 18010, 19010]);
  });

  it('releases everything on a graceful stop, and does nothing after', async () => {
    const t = setup(twoVips());
    t.rec.start();
    t.rec.accept([
      { vip: 'rel', epoch: 4 },
      { vip: 'hold', epoch: 5 },
    ]);
    await t.rec.round();
    await t.rec.releaseAll();
    expect(t.rec.held()).toEqual([]);
    expect(t.states()).toEqual(['rel up@4', 'hold up@5', 'rel down@4 released', 'hold down@5 released']);
    const ops = t.host.operations.length;
    await t.clock.advance(10_000);
    expect(t.host.operations.length).toBe(ops);
    expect(t.clock.pending()).toBe(0);
  });
});

describe('Reconciler on EC2 secondary IPs', () => {
  let imds: FakeImds;
  afterEach(() => imds?.close());

  it('binds only once IMDS local-ipv4s shows the address on this ENI', async () => {
    imds = await startFakeImds({
      instanceId: 'i-0abc1234def567890',
      az: 'eu-central-1a',
      enis: [
        {
          mac: '0a:00:00:00:00:01',
          eni: 'eni-0aaa1111bbbb2222c',
          subnetId: 'subnet-0aaa1111',
          subnetCidr: '10.0.1.0/24',
          localIpv4s: ['10.0.1.10'],
        },
      ],
    });
    const cluster = config({
      cluster: 'ec2',
      security: { psk: 'test-psk-0123456789abcdef' },
      nodes: [{ id: 'a', interface: 'eth0', aws: { eni: 'eni-0aaa1111bbbb2222c', subnetCidr: '10.0.1.0/24' } }],
      vips: [{ name: 'sec', kind: 'aws-secondary-ip', address: '10.0.1.50/24' }],
    });
    const client = new Imds({ baseUrl: imds.url });
    let now = 0;
    const gate = new SecondaryIpGate({
      localIpv4s: () => client.localIpv4s('0a:00:00:00:00:01'),
      now: () => (now += 1000),
    });
    const t = setup(cluster, { gate });
    t.rec.accept([{ vip: 'sec', epoch: 1 }]);
    await t.rec.round();
    await t.rec.round();
    expect(t.changes()).toEqual([]);
    expect(t.rec.status()[0]).toMatchObject({
      state: 'pending',
      detail: 'EC2 has not assigned 10.0.1.50 to this ENI yet (IMDS local-ipv4s: 10.0.1.10)',
    });
    imds.state.enis[0]!.localIpv4s.push('10.0.1.50');
    await t.rec.round();
    expect(t.changes()).toEqual(['bind 10.0.1.50']);
    expect(t.rec.status()[0]).toMatchObject({ state: 'held', owned: 1, applied: 1 });
    await t.rec.stop();
  });
});
