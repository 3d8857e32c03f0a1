import { describe, expect, it } from 'vitest';
import { runTickBench } from '../../bench/tick/run';

describe('bench:tick at a small size', () => {
  it("prints one line per case, places every VIP at the first tick and moves a silent node's VIPs", async () => {
    const lines = await runTickBench({ nodes: 8, vips: 64, subnets: 4, ticks: 1 });
    expect(lines.map((l) => l.case)).toEqual(['first', 'steady', 'failover']);
    for (const l of lines) {
      expect(l).toMatchObject({ vips: 64, nodes: 8, subnets: 4, ticks: 1 });
      for (const k of ['ms_p50', 'ms_p99', 'rss_mb', 'ec2_calls', 'dynamo_calls'] as const)
        expect(l[k]).toBeGreaterThan(0);
      expect(l.ms_p99).toBeGreaterThanOrEqual(l.ms_p50);
      expect(JSON.parse(JSON.stringify(l))).toEqual(l);
    }
    const [first, steady, failover] = lines;
    // Every VIP gets its first owner; the addresses are already there, so the only EC2 call is the observe.
    expect(first).toMatchObject({ moves: 64, repairs: 0, ec2_calls: 1 });
    expect(steady).toMatchObject({ moves: 0, repairs: 0, ec2_calls: 1 });
    // The silent node's 8 VIPs (64 over 8 nodes) move to the other node of its subnet.
    expect(failover).toMatchObject({ moves: 8, repairs: 0 });
    expect(failover!.ec2_calls).toBeGreaterThan(8);
  });
});
