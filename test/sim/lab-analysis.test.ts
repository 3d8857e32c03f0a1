import { describe, expect, it } from 'vitest';
import { analyze } from '../../sim/lab/analysis';
import type { ProbeTimeline } from '../../sim/lab/prober';

/** A timeline of UDP probes every 10 ms from t=0; `who(t)` says who answers the probe sent at t (null: nobody). */
function timeline(
  ms: number,
  who: (t: number) => string | string[] | null,
  tcp: ProbeTimeline['tcp'] = [],
): ProbeTimeline {
  const udp = Array.from({ length: ms / 10 }, (_, seq) => {
    const sentAt = seq * 10;
    const by = who(sentAt);
    const list = by === null ? [] : Array.isArray(by) ? by : [by];
    return { seq, sentAt, replies: list.map((b) => ({ by: b, at: sentAt + 1 })) };
  });
  return { vip: '198.18.0.50', udpIntervalMs: 10, startedAt: 0, endedAt: ms, complete: true, udp, tcp };
}

describe('analyze', () => {
  it('measures the gap from the first unanswered probe to the first answered one after the fault', () => {
    const t = timeline(3000, (at) => (at < 1000 ? 'h1' : at < 1250 ? null : 'h2'));
    const a = analyze(t, { faultAt: 1000 });
    expect(a.outageMs).toBe(250);
    expect(a.recovered).toBe(true);
    expect(a.firstAnswerAfterOutage).toEqual({ by: 'h2', at: 1251 });
    expect(a.answeredBy).toEqual({ h1: 100, h2: 175 });
    expect(a.segments.map((s) => [s.by, s.probes])).toEqual([
      ['h1', 100],
      ['h2', 175],
    ]);
    expect(a.maxDistinctResponders).toBe(1);
    expect(a.udp).toEqual({ sent: 300, answered: 275 });
  });

  it('is 0 when no probe went unanswered, and ignores losses wholly before the fault', () => {
    expect(
      analyze(
        timeline(1000, () => 'h1'),
        { faultAt: 500 },
      ).outageMs,
    ).toBe(0);
    const early = timeline(2000, (at) => (at >= 100 && at < 400 ? null : 'h1'));
    expect(analyze(early, { faultAt: 1000 }).outageMs).toBe(0);
    expect(analyze(early, { faultAt: 200 }).outageMs).toBe(300);
  });

  it('reports an outage that never ended as not recovered, running to the end', () => {
    const a = analyze(
      timeline(2000, (at) => (at < 500 ? 'h1' : null)),
      { faultAt: 500 },
    );
    expect(a).toMatchObject({ outageMs: 1500, recovered: false, firstAnswerAfterOutage: null });
  });

  it('counts distinct responders per probe and per ARP round', () => {
    const both = timeline(500, (at) => (at === 200 ? ['h1', 'h2'] : 'h1'));
    expect(analyze(both, { faultAt: 0 }).maxDistinctResponders).toBe(2);
    const arp = [
      { at: 100, macs: ['a'], hosts: ['h1'] },
      { at: 1100, macs: ['a', 'b', 'c'], hosts: ['h1', 'h2', 'h3'] },
    ];
    expect(
      analyze(
        timeline(500, () => 'h1'),
        { faultAt: 0, arp },
      ).maxDistinctResponders,
    ).toBe(3);
  });

  it('measures TCP the same way, and null without TCP probes', () => {
    const tcp = [0, 100, 200, 300, 400, 500].map((sentAt, seq) => ({
      seq,
      sentAt,
      by: sentAt === 200 || sentAt === 300 ? null : 'h1',
      ms: 1,
    }));
    expect(
      analyze(
        timeline(600, () => 'h1', tcp),
        { faultAt: 150 },
      ).tcpOutageMs,
    ).toBe(200);
    expect(
      analyze(
        timeline(600, () => 'h1'),
        { faultAt: 150 },
      ).tcpOutageMs,
    ).toBeNull();
  });
});
