import pino from 'pino';
import { systemClock } from '../../../lib/clock';
import { RecordingHostNet } from '../../../agent/hostnet';
import { startPeerAgent, type PeerAgent } from '../../../agent/peer/peer-agent';
import { UdpPeers } from '../../../agent/peer/udp-peers';
import { hmacSigner } from '../../../core/heartbeat';
import { lan } from '../../helpers/configs';
import { PSK } from './loop-fixture';
import { freeUdpPorts, udpSpy } from './udp-ports';

export interface Member {
  id: string;
  port: number;
  host: RecordingHostNet;
  peer: PeerAgent;
  logs: Array<Record<string, unknown>>;
}

/** A heartbeat as a spy received it. */
export interface Seen {
  at: number;
  node: string;
  seq: number;
  held: string[];
  claiming: string[];
  leaving: boolean;
  raw: string;
}

/**
 * Two or three whole peer-mode agents in this process, on the real clock, talking real UDP on
 * 127.0.0.1 (each on its own port), with recording hosts (no root) and no fence. A spy socket is
 * every agent's extra peer, so the test sees each heartbeat as it leaves.
 */
export async function startPeerCluster(nodes: number, timers: Record<string, unknown>) {
  const spy = await udpSpy();
  const ports = await freeUdpPorts(nodes);
  const peers = [...ports, spy.port].map((p) => `127.0.0.1:${p}`);
  // The peers are in the config, as on a real LAN: an agent takes datagrams only from their addresses.
  const config = lan({ nodes, control: { mode: 'peer', peers }, timers, vips: [{ name: 'web', preferred: 'n1' }] });
  const members = new Map<string, Member>();
  for (const [i, node] of config.nodes.entries()) {
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const transport = await UdpPeers.open({
      port: ports[i]!,
      peers,
      ownAddresses: ['127.0.0.1'],
      bind: '127.0.0.1',
      logger,
    });
    const host = new RecordingHostNet();
    const peer = await startPeerAgent({
      config,
      node,
      signer: hmacSigner(PSK),
      psk: PSK,
      hostNet: host,
      hostNetKind: 'recording (test)',
      clock: systemClock,
      logger,
      fence: false,
      transport,
    });
    members.set(node.id, { id: node.id, port: ports[i]!, host, peer, logs });
  }
  const seen = (): Seen[] =>
    spy.got.map(({ at, data }) => {
      const hb = JSON.parse((JSON.parse(data) as { payload: string }).payload) as Omit<Seen, 'at' | 'raw'>;
      return { at, node: hb.node, seq: hb.seq, held: hb.held, claiming: hb.claiming, leaving: hb.leaving, raw: data };
    });
  const member = (id: string) => members.get(id)!;
  const stopped = new Set<string>();
  return {
    config,
    /** The spy: a configured peer no agent runs on, whose socket tests may also send from. */
    spy,
    members,
    member,
    seen,
    /** Graceful stop of one agent (as on SIGTERM). */
    async stopOne(id: string) {
      stopped.add(id);
      return member(id).peer.stop();
    },
    async stop() {
      for (const m of members.values()) if (!stopped.has(m.id)) await m.peer.stop().catch(() => undefined);
      await spy.close();
    },
  };
}

/** Polls `ok` every 10 ms for at most `timeoutMs`. */
export async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
