import type { Config } from '../../core/config';

/**
 * What a reload cannot change in a running agent, and why: each is read once at start by a part
 * that holds it for the whole run (sockets, the heartbeat grid, the fence's lease, the signer).
 * A new file that changes one of them is refused as a whole, with these reasons, and changes
 * nothing; a restart applies it. Everything else (VIPs, checks, hooks, placement, the other
 * timers, quorum) a reload applies in place.
 */
export function reloadBlockers(before: Config, after: Config): string[] {
  const out: string[] = [];
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  if (before.cluster !== after.cluster) out.push(`cluster changed (${before.cluster} → ${after.cluster})`);
  const { quorum: _q1, ...controlBefore } = before.control as Config['control'] & { quorum?: unknown };
  const { quorum: _q2, ...controlAfter } = after.control as Config['control'] & { quorum?: unknown };
  if (differs(controlBefore, controlAfter))
    out.push('control changed (mode, endpoint, port, peers or multicast: the sockets are opened at start)');
  if (differs(before.security, after.security)) out.push('security changed (signing keys are read at start)');
  const wiring = (c: Config) => c.nodes.map((n) => ({ id: n.id, addresses: n.addresses, interface: n.interface }));
  if (differs(wiring(before), wiring(after)))
    out.push('nodes changed (ids, addresses or interfaces: peers, the witness ring and the sockets are set at start)');
  for (const t of ['heartbeatInterval', 'deadAfter'] as const)
    if (before.timers[t] !== after.timers[t])
      out.push(
        `timers.${t} changed (${before.timers[t]} → ${after.timers[t]} ms: the heartbeat grid and the fence's lease are set at start)`,
      );
  return out;
}
