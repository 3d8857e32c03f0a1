import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatBuilder } from '../../agent/heartbeat';
import { configDigest } from '../../core/config';
import { hmacSigner } from '../../core/heartbeat';
import { PSK, WEB } from '../agent/peer/loop-fixture';
import { startPeerCluster, until } from '../agent/peer/peer-cluster';

// Issue 17, finding 2 (second half): heartbeats signed with a stolen key were taken from an address
// that is not a configured peer. Three whole agents on real UDP over 127.0.0.1; the attacker sends
// from 127.0.0.2, another loopback address, which no peer entry names.
let cluster: Awaited<ReturnType<typeof startPeerCluster>> | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function sendFrom(address: string, port: number, data: string): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, () => resolve());
  });
  await new Promise<void>((resolve, reject) =>
    s.send(Buffer.from(data), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
  await new Promise<void>((r) => s.close(() => r()));
}

describe('security: peer datagrams only from configured peers', () => {
  it('a validly signed heartbeat from a non-peer address or port never reaches the agent and changes nothing', async () => {
    const c = (cluster = await startPeerCluster(3, { heartbeatInterval: 100, deadAfter: 300 }));
    await until(() => c.member('n1').host.has(WEB), 5000, 'n1 to bind web');
    const n1 = c.member('n1');
    const forger = new HeartbeatBuilder({
      cluster: c.config.cluster,
      node: 'n2',
      configDigest: configDigest(c.config),
      signer: hmacSigner(PSK),
      now: Date.now,
      sources: {
        checks: () => ({}),
        held: () => ['web'],
        applied: () => ({ web: 500 }),
        claiming: () => [],
        takeHookFailures: () => [],
      },
    });
    for (let i = 0; i < 10; i++) await sendFrom('127.0.0.2', n1.port, forger.build().envelope);
    // And from a peer's address but a port no peer uses.
    for (let i = 0; i < 10; i++) await sendFrom('127.0.0.1', n1.port, forger.build().envelope);
    await new Promise((r) => setTimeout(r, 300));
    // Finding 3: each peer has its own connected socket, so the kernel drops these before the agent
    // reads them; the loop's own address check (peer-epochs.test.ts) is the second line.
    expect(n1.peer.loop.status().refused).toEqual({});
    expect(
      n1.peer.loop
        .status()
        .sources.map((s) => s.source)
        .sort(),
    ).toEqual(
      c.config.control.mode === 'peer' ? c.config.control.peers.filter((p) => p !== `127.0.0.1:${n1.port}`).sort() : [],
    );
    expect(n1.host.has(WEB)).toBe(true);
    expect(n1.host.only('unbind')).toEqual([]);
    expect(n1.peer.agent.reconciler.appliedEpochs().web).toBeLessThan(10);
    expect(n1.peer.loop.status().peers.find((p) => p.node === 'n2')?.held).toEqual([]);
  });
});
