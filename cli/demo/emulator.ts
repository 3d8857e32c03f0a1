import type { Config } from '../../core/config';
import type { CallRecord } from '../../sim/common/call-log';
import type { EmulatorProfile } from '../../sim/common/profile';
import { startSim, type RunningSim } from '../commands/sim';
import type { ProviderCredentials } from '../../adapters/providers';
import { emulatorCredentials } from '../up/session';
import type { DemoProvider } from './cloud-config';

/** Under `fast` the demo's EC2 answers in 120 ms and its reads lag writes by 250 ms, as it always has: a timeline with a visible API step. */
const EC2_FAST_LATENCY_MS = 120;
const EC2_FAST_LAG_MS = 250;

export interface DemoEmulator {
  sim: RunningSim;
  credentials: ProviderCredentials;
  /** The banner's line: which emulator, where, and its timings. */
  describe: string;
}

const LABEL: Record<DemoProvider, string> = {
  ec2: 'EC2',
  route53: 'Route 53',
  hetzner: 'Hetzner Cloud',
  robot: 'Hetzner Robot',
};

/**
 * The provider's emulator, seeded from the demo config, as `ipferry sim` and `ipferry up` start it
 * (startSim), under the chosen profile; and the credentials pointing the real adapter at it.
 */
export async function startDemoEmulator(
  provider: DemoProvider,
  config: Config,
  profile: EmulatorProfile,
): Promise<DemoEmulator> {
  const sim = await startSim(provider, { config, profile });
  if (provider === 'ec2' && profile === 'fast')
    Object.assign(sim.emulator.settings, { latencyMs: EC2_FAST_LATENCY_MS, consistencyLagMs: EC2_FAST_LAG_MS });
  // Under real the adapter polls Route 53 at its own pace (1 s, as against AWS); fast keeps up's 200 ms.
  const credentials = emulatorCredentials(
    [{ kind: provider, url: sim.url }],
    'eu-central-1',
    profile === 'real' ? undefined : 200,
  );
  return {
    sim,
    credentials,
    describe: `${LABEL[provider].padEnd(14)} ${sim.url}  (${profile} profile${timings(provider, profile, sim)})`,
  };
}

function timings(provider: DemoProvider, profile: EmulatorProfile, sim: RunningSim): string {
  const s = sim.emulator.settings;
  const base =
    s.latencyMs > 0 || s.consistencyLagMs > 0
      ? `: API latency ${s.latencyMs} ms, reads lag writes by ${s.consistencyLagMs} ms`
      : '';
  const real = profile === 'real';
  switch (provider) {
    case 'ec2':
      return base;
    case 'route53':
      return `${base}; changes PENDING for ${real ? 30 : 1} s, then INSYNC`;
    case 'hetzner':
      return `${base}; assign actions take ${real ? '3 s' : '200 ms'}`;
    case 'robot':
      return `${base}; a switch routes for ${real ? '50 s, its POST blocking meanwhile' : '1 s'}`;
  }
}

/** The emulator's calls in [from, to], counted by action and, for those that failed, by error code. */
export function callsBetween(
  calls: readonly CallRecord[],
  from: number,
  to: number,
): { calls: Record<string, number>; errors: Record<string, number> } {
  const out = { calls: {} as Record<string, number>, errors: {} as Record<string, number> };
  for (const c of calls) {
    if (c.at < from || c.at > to) continue;
    out.calls[c.action] = (out.calls[c.action] ?? 0) + 1;
    if (c.error !== undefined || c.status >= 400)
      out.errors[c.error ?? `HTTP ${c.status}`] = (out.errors[c.error ?? `HTTP ${c.status}`] ?? 0) + 1;
  }
  return out;
}
