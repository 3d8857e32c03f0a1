import { attempt, type CheckContext, type CheckOutcome } from './attempt';
import { openConnection, parseTarget } from './connection';
import type { TcpCheckSpec } from './specs';

/** Healthy when a TCP connection completes (SYN, SYN-ACK, ACK); the socket is closed at once. */
export function tcpCheck(spec: TcpCheckSpec, ctx: CheckContext = {}): Promise<CheckOutcome> {
  return attempt(spec.timeout, ctx.signal, async (a) => {
    const target = parseTarget(spec.target);
    await openConnection(a, target);
    return { detail: `connected to ${spec.target}` };
  });
}
