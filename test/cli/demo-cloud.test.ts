import { DEMO_LINE_KEYS } from '../helpers/demo-line';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudDemo } from '../../cli/demo/cloud';

describe('the embedded demo (local control plane, EC2 emulator, three agent processes)', () => {
  it("kills the owner and reports each VIP's failover, verified at EC2 and bound by the new owner, then the return", async () => {
    const lines: string[] = [];
    const all = await cloudDemo({
      json: true,
      showReturn: true,
      progress: () => undefined,
      print: (l) => lines.push(l),
      self: [process.execPath, '--import', 'tsx', resolve('cli/main.ts')],
    });
    expect(lines.map((l) => JSON.parse(l) as { vip: string })).toEqual(all);
    // Every line has the same keys, bound_ms null where no host binds (the Elastic IP).
    for (const l of lines) expect(Object.keys(JSON.parse(l) as object).sort()).toEqual(DEMO_LINE_KEYS);
    expect(all.find((r) => r.vip === 'web-public' && r.event === 'failover')!.bound_ms).toBeNull();
    const reports = all.filter((r) => r.event === 'failover');
    const back = all.filter((r) => r.event === 'return');
    expect(back.map((r) => r.vip).sort()).toEqual(['web', 'web-public']);
    for (const r of back) expect(r).toMatchObject({ from: reports[0]!.to, to: 'web1' });
    expect(reports.map((r) => r.vip).sort()).toEqual(['web', 'web-public']);
    for (const r of reports) {
      // EC2 reads its state back: verified, with no accepted step; the emulator's calls are counted, none failed.
      expect(r).toMatchObject({
        provider: 'ec2',
        from: 'web1',
        reason: 'owner-dead',
        state: 'verified',
        accepted_ms: null,
        errors: {},
      });
      expect(r.calls.AssignPrivateIpAddresses).toBe(1);
      expect(r.calls.AssociateAddress).toBe(1);
      expect(['web2', 'web3']).toContain(r.to);
      // The phases happen in order, and the owner's silence (deadAfter) comes first.
      expect(r.detect_ms).toBeGreaterThan(0);
      expect(r.total_ms).toBeGreaterThanOrEqual(r.detect_ms + r.decide_ms);
      expect(r.api_ms).toBeGreaterThan(0);
    }
    // The follower went where its leader went; the secondary IP was bound by its new owner.
    expect(reports[0]!.to).toBe(reports[1]!.to);
    const web = reports.find((r) => r.vip === 'web')!;
    expect(web.bound_ms).toBeGreaterThan(web.detect_ms);
    expect(back.find((r) => r.vip === 'web')!.bound_ms).toBeGreaterThan(0);
  }, 120_000);
});
