import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labClusters, type LanCluster } from './harness';

// Issue 17, finding 3: ~150k random datagrams a second at the owner's peer port for 10 s, from a LAN
// host that is no peer (h4, 198.18.0.14, which runs no agent). Before the fix the owner lost quorum
// in its own view and released web for 6–9 s of a 10 s flood while its peers still saw it holding,
// so nobody took over (an 8.7 s outage). Now junk from a non-peer never reaches the agent (each peer
// has its own connected socket, so the kernel drops the rest) and the client must see no gap over
// 300 ms and one responder throughout. The flood is bounded: 10 s and 1.5 M datagrams at most.
const FLOOD = fileURLToPath(new URL('../../sim/lab/flood.ts', import.meta.url));
const RATE = 150_000;
const SECONDS = 10;
const clusters = labClusters();

/**
 * Runs `procs` generators in h4 at RATE/procs each (sending over veth costs the sender the
 * receiver's kernel work too, so one process alone falls short here), optionally from a source
 * address and port h4 was given; resolves with what they sent, together.
 */
async function floodOwner(c: LanCluster, procs: number, from?: string): Promise<{ sent: number; perSecond: number }> {
  const args = [
    '--import',
    'tsx',
    FLOOD,
    '198.18.0.11',
    '7401',
    String(RATE / procs),
    String(SECONDS),
    '-5',
    ...(from ? [from] : []),
  ];
  const gens = Array.from({ length: procs }, () => c.lab.spawn('h4', process.execPath, args));
  const results = await Promise.all(
    gens.map(async (gen) => {
      let line = '';
      gen.onLine((l) => (line = l));
      const exit = await gen.exited;
      expect(exit.code, `the flood generator failed: ${gen.stderrTail()}`).toBe(0);
      return JSON.parse(line) as { sent: number; elapsedMs: number };
    }),
  );
  const sent = results.reduce((a, r) => a + r.sent, 0);
  return { sent, perSecond: Math.round(sent / (Math.max(...results.map((r) => r.elapsedMs)) / 1000)) };
}

describe('peer mode on a LAN: a UDP flood at the owner', () => {
  it('150k junk datagrams a second from a non-peer for 10 s: the owner keeps web, no gap over 300 ms, one responder', async () => {
    const c = await clusters.start({ nodes: 3, labHosts: 4 });
    await c.waitHolders('web', ['h1'], 60_000);
    // Past every node's settling (deadAfter after quorum), so that what follows is the flood's doing.
    await new Promise((r) => setTimeout(r, 1500));
    let result: { sent: number; perSecond: number } | undefined;
    const run = await c.probe({ vip: 'web', limitMs: SECONDS * 1000 + 20_000 }, async (mark) => {
      mark('flood');
      result = await floodOwner(c, 2);
      mark('after');
      await new Promise((r) => setTimeout(r, 2000));
    });
    const status = await c.status('n1');
    console.log(`flood ${JSON.stringify(result)}\n${run.summary()}\nn1 peer status ${JSON.stringify(status.peer)}`);
    // A flood happened. The rate it reached depends on what else this shared machine runs (printed
    // above; bench/flood.ts measures it); the code before the fix lost web for 3.5 s at 69k/s. What
    // does not depend on the rate is asserted below: no junk datagram reached the agent at all.
    expect(result!.sent, 'datagrams sent').toBeGreaterThan(100_000);
    const flood = run.since('flood');
    expect(flood.udp.sent, 'probes sent during the flood').toBeGreaterThan(500);
    expect(flood.outageMs, c.report()).toBeLessThanOrEqual(300);
    expect(flood.maxDistinctResponders, c.report()).toBe(1);
    expect(Object.keys(flood.answeredBy), c.report()).toEqual(['h1']);
    // Afterwards: still answered, by h1 alone.
    const after = run.phase('after');
    expect(after.udp.answered, c.report()).toBeGreaterThan(50);
    expect(after.outageMs, c.report()).toBe(0);
    expect(Object.keys(after.answeredBy), c.report()).toEqual(['h1']);
    expect(c.holders('web')).toEqual(['h1']);
    expect(c.maxHolders('web'), c.report()).toBe(1);
    expect(status.peer.quorum?.ok).toBe(true);
    // The junk never reached the agent: only the two peers' sockets exist, neither was flooded, and
    // nothing reached the loop to be refused (before the fix: 262,117 refused as not-a-peer).
    const { sources, refused } = status.peer as unknown as {
      sources: Array<{ source: string; limited: number }>;
      refused: Record<string, number>;
    };
    expect(refused).toEqual({});
    expect(sources.map((x) => x.source).sort()).toEqual(['198.18.0.12:7401', '198.18.0.13:7401']);
    expect(sources.every((x) => x.limited === 0)).toBe(true);
    expect(c.problems()).toEqual([]);
  }, 180_000);

  it("a flood from a spoofed peer (n2's address and port) is cut to that source's rate: n1 keeps quorum through n3, no gap over 300 ms", async () => {
    const c = await clusters.start({ nodes: 3, labHosts: 4 });
    await c.waitHolders('web', ['h1'], 60_000);
    // h4 takes n2's address to send from, and never answers ARP for it nor announces it, so the
    // others' neighbour entries for n2 stay n2's: a spoofed source, not a stolen address.
    for (const [k, v] of [
      ['net.ipv4.conf.all.arp_ignore', '8'],
      ['net.ipv4.conf.eth0.arp_ignore', '8'],
      ['net.ipv4.conf.all.arp_announce', '2'],
      ['net.ipv4.conf.eth0.arp_announce', '2'],
    ]) {
      expect((await c.lab.exec('h4', 'sysctl', ['-qw', `${k}=${v}`])).code).toBe(0);
    }
    expect((await c.lab.exec('h4', 'ip', ['addr', 'add', '198.18.0.12/32', 'dev', 'eth0', 'noprefixroute'])).code).toBe(
      0,
    );
    await new Promise((r) => setTimeout(r, 1500));
    let result: { sent: number; perSecond: number } | undefined;
    const run = await c.probe({ vip: 'web', limitMs: SECONDS * 1000 + 20_000 }, async (mark) => {
      mark('flood');
      result = await floodOwner(c, 1, '198.18.0.12:7401');
      mark('after');
      await new Promise((r) => setTimeout(r, 2000));
    });
    const status = await c.status('n1');
    console.log(
      `spoofed flood ${JSON.stringify(result)}\n${run.summary()}\nn1 peer status ${JSON.stringify(status.peer)}`,
    );
    // One process (one source port): it reached 9k a second at load 20 (printed above).
    expect(result!.sent, 'datagrams sent').toBeGreaterThan(50_000);
    const { sources } = status.peer as unknown as {
      sources: Array<{ source: string; received: number; limited: number }>;
    };
    const spoofed = sources.find((x) => x.source === '198.18.0.12:7401')!;
    // What n1 read from that queue was cut to the source's rate (200/s, bursts of 50, over the flood
    // and the probing around it) and the rest dropped unread; the kernel dropped what overflowed the
    // queue. Only n2's queue: n3's was never limited, so n1 kept quorum through it.
    expect(spoofed.received, JSON.stringify(sources)).toBeLessThanOrEqual(200 * (SECONDS + 25) + 50);
    expect(spoofed.limited, JSON.stringify(sources)).toBeGreaterThan(10 * spoofed.received);
    expect(sources.find((x) => x.source === '198.18.0.13:7401')!.limited).toBe(0);
    const flooded = run.since('flood');
    expect(flooded.outageMs, c.report()).toBeLessThanOrEqual(300);
    expect(flooded.maxDistinctResponders, c.report()).toBe(1);
    expect(Object.keys(flooded.answeredBy), c.report()).toEqual(['h1']);
    expect(c.holders('web')).toEqual(['h1']);
    expect(c.maxHolders('web'), c.report()).toBe(1);
    expect(c.problems()).toEqual([]);
  }, 180_000);
});
