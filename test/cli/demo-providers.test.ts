import { DEMO_LINE_KEYS } from '../helpers/demo-line';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FailoverReport } from '../../cli/demo/watch';

/** Runs `ipferry demo --provider P --profile fast --json` as a child process, killed if it outlives `timeoutMs`. */
function runDemo(
  provider: string,
  timeoutMs: number,
): Promise<{ code: number | null; lines: FailoverReport[]; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve('cli/main.ts'), 'demo', '--provider', provider, '--profile', 'fast', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      try {
        done({
          code,
          lines: stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as FailoverReport),
          stderr,
        });
      } catch (err) {
        fail(new Error(`${provider}: stdout is not JSON lines (${String(err)}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

/** Per provider: its VIPs, the state a finished move reports, the mutating call each move makes, and whether a host binds them. */
const CASES = [
  {
    provider: 'ec2',
    vips: ['web', 'web-public'],
    state: 'verified',
    switches: { AssignPrivateIpAddresses: 1, AssociateAddress: 1 },
    bound: { web: true, 'web-public': false },
  },
  {
    provider: 'route53',
    vips: ['web'],
    state: 'accepted',
    switches: { ChangeResourceRecordSets: 1 },
    bound: { web: false },
  },
  {
    provider: 'hetzner',
    vips: ['web', 'web-private'],
    state: 'verified',
    switches: { assign_floating_ip: 1 },
    bound: { web: true, 'web-private': true },
  },
  { provider: 'robot', vips: ['web'], state: 'verified', switches: { route_failover: 1 }, bound: { web: true } },
] as const;

describe('ipferry demo --provider P --profile fast --json (a child process per provider)', () => {
  for (const c of CASES) {
    it(`${c.provider}: web1 is killed, its VIPs move to a survivor through the ${c.provider} emulator, ${c.state}, and come home`, async () => {
      const { code, lines, stderr } = await runDemo(c.provider, 150_000);
      expect(code, stderr.slice(-2000)).toBe(0);
      for (const l of lines) expect(Object.keys(l).sort()).toEqual(DEMO_LINE_KEYS);
      const failover = lines.filter((l) => l.event === 'failover');
      expect(failover.map((l) => l.vip).sort()).toEqual([...c.vips].sort());
      const to = failover[0]!.to;
      expect(['web2', 'web3']).toContain(to);
      for (const l of failover) {
        expect(l).toMatchObject({
          provider: c.provider,
          from: 'web1',
          to,
          reason: 'owner-dead',
          state: c.state,
          errors: {},
        });
        expect(l.calls).toMatchObject(c.switches);
        expect(l.total_ms).toBeGreaterThanOrEqual(l.detect_ms + l.decide_ms);
        // Only a change that propagates has an accepted step, and it comes before it is in sync.
        if (c.state === 'accepted') expect(l.accepted_ms).toBeLessThanOrEqual(l.total_ms);
        else expect(l.accepted_ms).toBeNull();
        expect(l.bound_ms === null).toBe(!c.bound[l.vip as keyof typeof c.bound]);
      }
      const back = lines.filter((l) => l.event === 'return');
      expect(back.map((l) => l.vip).sort()).toEqual([...c.vips].sort());
      for (const l of back) expect(l).toMatchObject({ provider: c.provider, from: to, to: 'web1', state: c.state });
      expect(stderr).toContain('web1 killed');
    }, 160_000);
  }
});
