import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labClusters } from './harness';

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

describe('peer mode on a LAN: a UDP flood at the owner', () => {
  it('150k junk datagrams a second from a non-peer for 10 s: the owner keeps web, no gap over 300 ms, one responder', async () => {
    const c = await clusters.start({ nodes: 3, labHosts: 4 });
    await c.waitHolders('web', ['h1'], 60_000);
    // Past every node's settling (deadAfter after quorum), so that what follows is the flood's doing.
    await new Promise((r) => setTimeout(r, 1500));
    let result: { sent: number; perSecond: number } | undefined;
    const run = await c.probe({ vip: 'web', limitMs: SECONDS * 1000 + 20_000 }, async (mark) => {
      mark('flood');
      // Two generators, half the rate each: sending over veth costs the sender the receiver's kernel
      // work too, and one process alone does not reach the rate on this machine.
      const gens = [0, 1].map(() => c.lab.spawn('h4', process.execPath, ['--import', 'tsx', FLOOD, '198.18.0.11', '7401', String(RATE / 2), String(SECONDS), '-5']));
      const results = await Promise.all(gens.map(async (gen) => {
        let line = '';
        gen.onLine((l) => (line = l));
        const exit = await gen.exited;
        expect(exit.code, `the flood generator failed: ${gen.stderrTail()}`).toBe(0);
        return JSON.parse(line) as { sent: number; elapsedMs: number };
      }));
      const sent = results.reduce((a, r) => a + r.sent, 0);
      result = { sent, perSecond: Math.round(sent / (Math.max(...results.map((r) => r.elapsedMs)) / 1000)) };
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
    const { sources, refused } = status.peer as unknown as { sources: Array<{ source: string; limited: number }>; refused: Record<string, number> };
    expect(refused).toEqual({});
    expect(sources.map((x) => x.source).sort()).toEqual(['198.18.0.12:7401', '198.18.0.13:7401']);
    expect(sources.every((x) => x.limited === 0)).toBe(true);
    expect(c.problems()).toEqual([]);
  }, 180_000);
});
