import { getPriority, setPriority } from 'node:os';
import type { Logger } from 'pino';

/** The nice value an agent that plumbs a real host asks for (keepalived's vrrp_priority does the same). */
export const AGENT_NICE = -10;

/**
 * Runs this process (and the fence it starts next, which inherits it) ahead of ordinary processes.
 * A host under a UDP flood spends its CPU in the kernel and in whatever else runs; an agent that
 * waits for a core longer than its quorum lease finds itself "frozen" and lets go of its addresses
 * (docs/peer-mode.md, rule 6; seen in the lab: a 571 ms outage at 57k junk datagrams a second on a
 * loaded 2-core host). Needs root or CAP_SYS_NICE; without it the agent says so and runs as it is.
 * Never lowers a priority someone set higher (a unit's Nice=-15).
 */
export function raisePriority(logger: Logger, nice = AGENT_NICE): void {
  try {
    if (getPriority(0) <= nice) return;
    setPriority(0, nice);
    logger.info({ nice }, `running at nice ${nice}, ahead of ordinary processes`);
  } catch (err) {
    logger.warn(
      { err: (err as Error).message, nice },
      `could not raise this agent's priority to nice ${nice}: it may be starved of CPU under load (run as root or with CAP_SYS_NICE)`,
    );
  }
}
