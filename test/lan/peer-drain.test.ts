import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ControlEvent } from '../../core/ports';
import { opsTokenFile } from './agent-run';
import { hostOf, labClusters, type LanCluster } from './harness';

// Issue 15: maintenance in peer mode. An operator on n2 drains n1, the owner: n2's agent signs the
// drain and carries it in its heartbeats, every agent applies it, and web moves with reason
// `drain` — break before make (docs/peer-mode.md, "Operations"): n1 lets go and says so at once,
// the new owner binds after claimHoldoff and announces itself with a gratuitous ARP.
const clusters = labClusters();
const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

/** `ipferry ARGS --config … --ops-token …` in a node's lab host, talking to that host's agent. */
async function cli(c: LanCluster, node: string, args: string[]) {
  const r = await c.lab.exec(
    hostOf(node),
    process.execPath,
    ['--import', 'tsx', MAIN, ...args, '--config', c.configFile, '--ops-token', opsTokenFile(c.configFile, node)],
    { timeoutMs: 30_000 },
  );
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** GET /v1/PATH from a node's agent, inside its host (what `ipferry status|events` print, without a CLI start each). */
async function agentApi<T>(c: LanCluster, node: string, path: string): Promise<T> {
  const url = `http://127.0.0.1:9477/v1/${path}`;
  const r = await c.lab.exec(hostOf(node), 'curl', ['-sS', '--max-time', '2', url], { timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`${node}: ${url} failed (curl exit ${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

describe('peer mode on a LAN: draining the owner from another host', () => {
  it('moves web off n1 with reason drain, one responder at a time, and the VIP is never lost', async () => {
    const c = await clusters.start({ nodes: 3 });
    await c.waitHolders('web', ['h1'], 60_000);
    // Every agent settled (quorum for deadAfter) before the operator acts.
    await c.until('every agent to have quorum', async () => (await c.status('n2')).peer?.quorum?.ok === true, 10_000);
    let answer = { code: -1, stdout: '', stderr: '' };
    const run = await c.probe({ vip: 'web', limitMs: 60_000 }, async (mark, client) => {
      mark('drain');
      answer = await cli(c, 'n2', ['drain', 'n1', '--json']);
      await c.until('web to leave h1', () => c.holders('web').length === 1 && c.holders('web')[0] !== 'h1', 10_000);
      const to = c.holders('web')[0]!;
      await c.until(`the client to be answered by ${to}`, () => client.lastAnswer()?.by === to, 5000);
      mark('moved');
    });
    expect(answer.code, `${answer.stderr}\n${c.report()}`).toBe(0);
    const drained = run.phase('drain');
    const to = c.holders('web')[0]!;
    const at = drained.from;
    const rel = (t: number | null) => (t === null ? null : t - at);
    const kernel = c.addresses.events().filter((e) => e.address === c.address('web') && e.at >= at);
    console.log(
      JSON.stringify({
        bench: 'peer-drain',
        // The kernel's word (ip monitor in every host), from the CLI's start: h1 let go, the new owner bound.
        releasedAt: rel(kernel.find((e) => e.host === 'h1' && !e.added)?.at ?? null),
        boundAt: rel(kernel.find((e) => e.host === to && e.added)?.at ?? null),
        outageMs: drained.outageMs,
        recovered: drained.recovered,
        from: 'h1',
        to,
        maxDistinctResponders: drained.maxDistinctResponders,
        kernelHolders: drained.holders,
      }),
    );
    expect(drained.recovered, c.report()).toBe(true);
    expect(['h2', 'h3']).toContain(to);
    expect(drained.maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);

    // Every node tells the same story through its own agent: the drain, and the move for it.
    for (const node of ['n1', 'n2', 'n3']) {
      const events = (await agentApi<{ events: ControlEvent[] }>(c, node, 'events?limit=50')).events;
      expect(events.find((e) => e.kind === 'drain')?.detail).toMatch(/^n1 drained by /);
      expect(
        events.find((e) => e.kind === 'move' && e.reason === 'drain'),
        `${node}: ${JSON.stringify(events)}`,
      ).toMatchObject({
        vip: 'web',
        from: 'n1',
        to: to.replace('h', 'n'),
      });
    }
    expect(await agentApi(c, 'n3', 'status')).toMatchObject({ mode: 'peer', drained: ['n1'], disagreements: [] });
    // Drained, n1 takes nothing back while the others live.
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.holders('web')).toEqual([to]);
    expect(c.problems()).toEqual([]);
  }, 150_000);
});
