/**
 * Under witnessed liveness no report starts the tick that moves a VIP up its order of succession:
 * time does. So every node of the order — not only the first — asks the control plane just after
 * preemptDelay. Here n1 (first) never starts, n3 holds the VIP, and n2 (second) comes back: with a
 * keepalive far longer than the test, only n2's own report can take the VIP to it.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../core/config';
import { hmacSigner } from '../../../core/heartbeat';
import { startLocalControlPlane, type LocalControlPlane } from '../../../control/local-server';
import { memoryLog } from '../../../lib/log';
import { systemClock } from '../../../lib/clock';
import { HttpTransport } from '../../../agent/heartbeat';
import { RecordingHostNet } from '../../../agent/hostnet';
import { startWitnessedAgent, type WitnessedAgent } from '../../../agent/witness/witnessed-agent';
import { closedPort } from '../../helpers/closed-port';

const PSK = 'succession-report-psk-0123456789';
const NODES = ['n1', 'n2', 'n3'];
const address = (id: string) => `127.0.0.${50 + NODES.indexOf(id)}`;

let cp: LocalControlPlane | undefined;
const agents: WitnessedAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop().catch(() => undefined);
  await cp?.close();
  cp = undefined;
});

async function start(config: Config, id: string): Promise<WitnessedAgent> {
  const agent = await startWitnessedAgent({
    config,
    node: config.nodes.find((n) => n.id === id)!,
    signer: hmacSigner(PSK),
    psk: PSK,
    hostNet: new RecordingHostNet(),
    hostNetKind: 'recording',
    transport: new HttpTransport({ url: `${cp!.url}/v1/heartbeat`, cluster: config.cluster, node: id }),
    clock: systemClock,
    logger: pino({ enabled: false }),
  });
  agents.push(agent);
  return agent;
}

async function ownerOf(vip: string): Promise<string | null> {
  const state = await cp!.ctx.store.loadAssignments(cp!.ctx.group);
  return state.assignments.find((a) => a.vip === vip)?.node ?? null;
}

async function eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() <= deadline; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

describe('witnessed liveness and the order of succession', () => {
  it('the second node of the order, back for preemptDelay, asks for the VIP itself and gets it', async () => {
    const config = loadConfig({
      cluster: 'succ',
      control: {
        mode: 'local',
        listen: `127.0.0.1:${await closedPort()}`,
        witness: { port: await closedPort(), keepalive: '60s' },
      },
      security: { psk: PSK },
      timers: { heartbeatInterval: '100ms', deadAfter: '300ms', preemptDelay: '1s', minHold: '30s' },
      nodes: NODES.map((id) => ({ id, interface: 'eth0', addresses: [address(id)] })),
      vips: [{ name: 'web', address: '198.18.7.20/24', preferred: ['n1', 'n2'] }],
    });
    cp = await startLocalControlPlane({ config, log: memoryLog() });
    await start(config, 'n3');
    await eventually('n3 holding web', 10_000, async () => (await ownerOf('web')) === 'n3');
    const n2 = await start(config, 'n2');
    const back = Date.now();
    await eventually('web moved to n2', 8_000, async () => (await ownerOf('web')) === 'n2');
    // Not before preemptDelay: the move is the preemption, not n2's first word.
    expect(Date.now() - back).toBeGreaterThanOrEqual(1000);
    await eventually('n2 bound web', 5_000, async () => n2.agent.reconciler.held().includes('web'));
    const { events } = await cp.ctx.store.listEvents(cp.ctx.group, { limit: 50 });
    expect(events.find((e) => e.kind === 'move' && e.to === 'n2')).toMatchObject({ from: 'n3', reason: 'preempt' });
  }, 30_000);
});
