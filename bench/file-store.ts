/**
 * npm run bench:file-store — what the local control plane's state file costs (adapters/file-store):
 * one commit of one VIP, written whole (temp, fsync, rename, fsync of the directory), for states of
 * V VIPs, N node records and 2000 events; and how many heartbeat records a second it keeps up with
 * (coalesced writes). Each line is JSON: {"vips","nodes","file_kb","commit_ms_p50","commit_ms_p99",
 * "heartbeats_per_s"}. The disk is whatever holds the OS temp directory.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../adapters/file-store';
import type { Assignment } from '../core/decide';
import type { NodeRecord } from '../core/ports';
import { memoryLog } from '../lib/log';

const T0 = 1_700_000_000_000;
const G = 'bench';

function record(node: string, seq: number): NodeRecord {
  const view = {
    id: node,
    bootId: `${node}-boot`,
    lastSeen: T0 + seq,
    aliveSince: T0,
    checks: { smtp: { ok: true, since: T0 } },
    held: [],
    draining: false,
    leaving: false,
  };
  return { view, guard: { bootId: `${node}-boot`, seq, sentAt: T0 + seq }, applied: {} };
}

const assignment = (i: number, node: string, epoch: number): Assignment => ({
  vip: `v${i}`,
  node,
  epoch,
  since: T0 + epoch,
  moves: [T0 + epoch],
});

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
}

async function run(vips: number, nodes: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ipferry-bench-file-store-'));
  const path = join(dir, 'state.json');
  const store = await FileStore.open({ path, log: memoryLog() });
  try {
    const names = Array.from({ length: vips }, (_, i) => `v${i}`);
    const all = names.map((_, i) => assignment(i, `n${i % nodes}`, 1));
    await store.commit(G, { expectedVersion: 0, assignments: all, changed: names });
    for (let n = 0; n < nodes; n++) await store.putHeartbeat(G, `n${n}`, record(`n${n}`, 1));
    await store.appendEvents(
      G,
      Array.from({ length: 2000 }, (_, i) => ({
        id: `${String(T0 + i).padStart(15, '0')}#v${i % vips}@1`,
        at: T0 + i,
        kind: 'move' as const,
        vip: `v${i % vips}`,
        from: 'n0',
        to: 'n1',
        epoch: 1,
        reason: 'owner-dead' as const,
        detail: 'n0: no heartbeat for 3.2s (deadAfter 3s)',
        timeline: { detected: T0 + i, decided: T0 + i + 5, apiStart: T0 + i + 6, verified: T0 + i + 20 },
      })),
    );
    const ms: number[] = [];
    for (let round = 0; round < 30; round++) {
      const started = performance.now();
      await store.commit(G, {
        expectedVersion: round + 1,
        assignments: [assignment(round % vips, 'n0', round + 2)],
        changed: [`v${round % vips}`],
      });
      ms.push(performance.now() - started);
    }
    // Heartbeats for 2 s: one per node per round, as fast as they are taken; writes coalesce behind.
    let beats = 0;
    let seq = 2;
    const until = performance.now() + 2000;
    while (performance.now() < until) {
      for (let n = 0; n < nodes; n++) await store.putHeartbeat(G, `n${n}`, record(`n${n}`, seq));
      beats += nodes;
      seq++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await store.flush();
    const fileKb = Math.round((await stat(path)).size / 1024);
    console.log(
      JSON.stringify({
        vips,
        nodes,
        file_kb: fileKb,
        commit_ms_p50: percentile(ms, 50),
        commit_ms_p99: percentile(ms, 99),
        heartbeats_per_s: Math.round(beats / 2),
      }),
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [vips, nodes] of [
  [100, 10],
  [1000, 100],
  [10_240, 256],
] as const)
  await run(vips, nodes);
