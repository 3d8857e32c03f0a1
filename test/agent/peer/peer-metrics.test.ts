/**
 * Peer mode's quorum and diagnoses on the agent's /metrics registry: whole peer agents in this
 * process on real UDP (127.0.0.1), recording hosts, no fence. A lone node of three has no quorum
 * and says so; once a second node is heard, quorum holds and the diagnosis clears, counted once.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHostNet } from '../../../agent/hostnet';
import { AgentMetrics } from '../../../agent/ops';
import { startPeerAgent, type PeerAgent } from '../../../agent/peer/peer-agent';
import { UdpPeers } from '../../../agent/peer/udp-peers';
import { formatAgentStatus, type AgentStatusView } from '../../../cli/commands/agent';
import { configDigest } from '../../../core/config';
import { hmacSigner } from '../../../core/heartbeat';
import { systemClock } from '../../../lib/clock';
import { lan } from '../../helpers/configs';
import { PSK } from './loop-fixture';
import { freeUdpPorts } from './udp-ports';

const running: PeerAgent[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
});

/** Polls every 50 ms, at most `timeoutMs`, until `read` answers true. */
async function until(read: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('peer mode watched: /metrics and status', () => {
  it('quorum heard and needed, and no-quorum as a diagnosis while it holds', async () => {
    const ports = await freeUdpPorts(3);
    const peers = ports.map((p) => `127.0.0.1:${p}`);
    const config = lan({
      nodes: 3,
      control: { mode: 'peer', peers, quorum: 'majority' },
      timers: { heartbeatInterval: 100, deadAfter: 400 },
      vips: [{ name: 'web', preferred: 'n1' }],
    });
    const metrics = new AgentMetrics({ processMetrics: false });
    const start = async (i: number, m?: AgentMetrics) => {
      const logger = pino({ level: 'silent' });
      const transport = await UdpPeers.open({
        port: ports[i]!,
        peers,
        ownAddresses: ['127.0.0.1'],
        bind: '127.0.0.1',
        logger,
      });
      const peer = await startPeerAgent({
        config,
        node: config.nodes[i]!,
        signer: hmacSigner(PSK),
        psk: PSK,
        hostNet: new RecordingHostNet(),
        hostNetKind: 'recording (test)',
        clock: systemClock,
        logger,
        fence: false,
        transport,
        ...(m ? { metrics: m } : {}),
      });
      running.push(peer);
    };

    await start(0, metrics);
    await until(
      async () => (await metrics.text()).includes('ipferry_peer_quorum{what="needed"} 2'),
      5000,
      'a decision',
    );
    let text = await metrics.text();
    expect(text).toContain('ipferry_peer_quorum{what="heard"} 1');
    expect(text).toContain('ipferry_peer_quorum{what="ok"} 0');
    expect(text).toContain('ipferry_diagnosis{code="no-quorum",vip=""} 1');

    await start(1);
    await until(async () => (await metrics.text()).includes('ipferry_peer_quorum{what="ok"} 1'), 5000, 'quorum');
    text = await metrics.text();
    expect(text).toContain('ipferry_peer_quorum{what="heard"} 2');
    expect(text).not.toContain('ipferry_diagnosis{code="no-quorum"');
    expect(text).toContain('ipferry_diagnoses_active{code="no-quorum"} 0');
    expect(text).toContain('ipferry_diagnoses_total{code="no-quorum"} 1');

    // The same agent's status, as /status serves it and `ipferry agent status` prints it.
    const digest = configDigest(config);
    const status = { ...running[0]!.agent.status(), peer: running[0]!.loop.status() };
    expect(status.peer.peers.find((p) => p.node === 'n2')).toMatchObject({ heard: true, digest });
    expect(status.peer.peers.find((p) => p.node === 'n3')).toMatchObject({ heard: false, lastSeenMsAgo: null });
    const lines = formatAgentStatus(JSON.parse(JSON.stringify(status)) as AgentStatusView).split('\n');
    expect(lines[1]).toMatch(/^peer mode: quorum ok \(heard 2, needs 2, within \d+ ms\)$/);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^  peer n2 +heard +last heard .*; digest ${digest}`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}peer n3 +SILENT never heard; digest \?$/));
  }, 20_000);
});
