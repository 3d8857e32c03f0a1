import pino from 'pino';
import type { Config } from '../../core/config';
import { hmacSigner } from '../../core/heartbeat';
import type { HostAddress } from '../../core/ports';
import { Agent } from '../../agent/agent';
import { systemClock } from '../../lib/clock';
import { HttpTransport, heartbeatUrl } from '../../agent/heartbeat';
import { RecordingHostNet } from '../../agent/hostnet';
import { AgentMetrics } from '../../agent/ops';
import { startHeartbeatReceiver, type HeartbeatReceiver } from '../helpers/heartbeat-receiver';

export const PSK = 'test-psk-0123456789abcdef';

/** Waits for `predicate` to hold, polling every 10 ms, at most `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A whole agent in this process on the real clock: real checks, real HTTP to a verifying receiver,
 * real hooks; only the host network is the recording one (no root, nothing applied).
 */
export async function startAgentFixture(
  make: (controlUrl: string) => Config,
  options: { initial?: HostAddress[]; metrics?: boolean } = {},
) {
  // The receiver needs the config to verify and the config needs the receiver's URL; the URL plays
  // no part in verification, so a config built with a placeholder serves the receiver.
  const receiver: HeartbeatReceiver = await startHeartbeatReceiver(make('http://127.0.0.1:1'));
  const config = make(receiver.url);
  const node = config.nodes[0]!;
  const host = new RecordingHostNet({ initial: options.initial });
  const metrics = options.metrics ? new AgentMetrics({ processMetrics: false }) : undefined;
  const agent = new Agent({
    config,
    node,
    signer: hmacSigner(PSK),
    hostNet: host,
    hostNetKind: 'recording (test)',
    transport: new HttpTransport({ url: heartbeatUrl(config), cluster: config.cluster, node: node.id }),
    clock: systemClock,
    logger: pino({ enabled: false }),
    metrics,
  });
  const changes = () =>
    host.operations.filter((o) => o.op === 'bind' || o.op === 'unbind').map((o) => `${o.op} ${o.addr!.address}`);
  return { agent, host, receiver, config, metrics, changes };
}
