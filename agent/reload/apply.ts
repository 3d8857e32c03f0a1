import { configDigest, type Config } from '../../core/config';
import type { Agent } from '../agent';
import type { PeerLoop } from '../peer/peer-loop';

/** The running parts a reload reaches: every mode's Agent, and peer mode's loop. */
export interface ReloadTarget {
  agent: Agent;
  loop?: Pick<PeerLoop, 'reloaded'>;
}

/** How long a new check may take to reach a verdict before the new config counts it anyway. */
const MAX_VERDICT_MS = 30_000;

/**
 * Applies a validated config to a running agent, in the order that never leaves a VIP without a
 * reason: new checks first (they run until they have a verdict, unreported meanwhile), then the
 * reconciler (VIPs no longer plumbed here go down with their hooks; the rest stay bound), then the
 * digest heartbeats carry, and last the peer loop, which decides on the new config at once.
 */
export async function applyConfig(target: ReloadTarget, config: Config): Promise<{ removed: string[] }> {
  const { agent } = target;
  const verdictMs = Math.min(
    MAX_VERDICT_MS,
    Math.max(0, ...Object.values(config.checks).map((c) => Math.max(c.rise, c.fall) * c.interval + c.timeout)),
  );
  await agent.checks.reconfigure(config.checks, verdictMs);
  const removed = await agent.reconciler.reconfigure(config);
  agent.reloaded(config);
  target.loop?.reloaded(config, configDigest(config));
  return { removed };
}
