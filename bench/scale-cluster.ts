/**
 * A cluster of real `ipferry agent` processes for bench:scale: the host's program (the bundle
 * `npm run build` makes, with the systemd unit's node flags), one process per node, each with a
 * recording host network (nothing is plumbed) and its own /status on loopback, one VIP per node
 * preferred by it, no checks (the mode's cost, not the checks'), timers at the defaults users get.
 * Peer mode: node i is lab host hi (198.18.0.(10+i), sim/lab) at one UDP port. etcd mode: every
 * agent talks to the given etcd endpoints under a key prefix of this run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { closedPort } from '../test/helpers/closed-port';
import type { AgentProgram } from './agent-child';

export type Mode = 'peer' | 'etcd';

export interface ClusterOptions {
  mode: Mode;
  nodes: number;
  program: AgentProgram;
  /** etcd mode: the client URLs. */
  endpoints?: string[];
  /** Peer mode: the UDP port every node listens on (at its own address). */
  peerPort?: number;
}

export interface AgentProc {
  id: string;
  vip: string;
  pid: number;
  alive: boolean;
  exited: Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** stderr's last lines, for an error that says why an agent died. */
  tail(): string;
}

export interface Cluster {
  agents: AgentProc[];
  vips: string[];
  /** Who holds each VIP now, from the agents' own "bound"/"unbound" log lines (a dead agent holds nothing). */
  holders(vip: string): string[];
  /**
   * The most agents that held one VIP at the same time, since the start: by the agents' own
   * timestamps (lines from different processes arrive out of order), an agent that exited
   * holding until its exit was seen.
   */
  maxHolders(): number;
  /** When (Date.now()) `node` last bound `vip`, if it holds it. */
  boundAt(vip: string, node: string): number | undefined;
  kill(id: string): Promise<void>;
  close(): Promise<void>;
}

/** How an agent process is started: on the host (etcd mode), or in a lab namespace (peer mode). */
export type Spawner = (id: string, argv: string[], onLine: (line: string, at: number) => void) => AgentProc;

const PSK = 'bench-scale-psk-0123456789abcdef';

export function clusterConfig(o: ClusterOptions): object {
  const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
  const control =
    o.mode === 'peer'
      ? { mode: 'peer', port: o.peerPort }
      : { mode: 'etcd', endpoints: o.endpoints, prefix: `/bench-scale-${process.pid}-${o.nodes}/` };
  return {
    cluster: `scale-${o.mode}-${o.nodes}`,
    control,
    security: { psk: PSK },
    nodes: ids.map((id, i) => ({
      id,
      interface: 'eth0',
      addresses: [o.mode === 'peer' ? `198.18.0.${11 + i}` : `198.18.1.${i + 1}`],
    })),
    vips: ids.map((id, i) => ({ name: `v${i + 1}`, address: `198.18.0.${100 + i}/24`, preferred: id })),
  };
}

export async function startCluster(o: ClusterOptions & { spawn: Spawner }): Promise<Cluster> {
  if (o.nodes < 1 || o.nodes > 150) throw new Error(`nodes must be 1..150, got ${o.nodes}`);
  const dir = await mkdtemp(join(tmpdir(), `ipferry-scale-${o.mode}-`));
  const configFile = join(dir, 'cluster.yaml');
  await writeFile(configFile, stringify(clusterConfig(o)));
  const agents: AgentProc[] = [];
  // vip -> node -> since when it holds it
  const held = new Map<string, Map<string, number>>();
  // Every holding that ended: [vip, from, to].
  const ended: Array<[string, number, number]> = [];
  const onLine = (node: string, line: string, at: number) => {
    if (!line.startsWith('{')) return;
    let l: { msg?: unknown; vip?: unknown; time?: unknown };
    try {
      l = JSON.parse(line) as typeof l;
    } catch {
      return;
    }
    if (typeof l.vip !== 'string' || typeof l.msg !== 'string') return;
    const holders = held.get(l.vip) ?? new Map<string, number>();
    held.set(l.vip, holders);
    const time = typeof l.time === 'number' ? l.time : at;
    if (/^bound /.test(l.msg) || / adopting it at epoch /.test(l.msg)) holders.set(node, time);
    else if (/^unbound /.test(l.msg) && holders.has(node)) {
      ended.push([l.vip, holders.get(node)!, time]);
      holders.delete(node);
    }
  };
  const close = async () => {
    await Promise.all(agents.map((a) => stop(a)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < o.nodes; i++) {
      const id = `n${i + 1}`;
      const argv = [
        ...o.program.nodeFlags,
        o.program.bundle,
        'agent',
        ...['--config', configFile, '--node', id, '--hostnet', 'recording', '--identity', 'config'],
        ...['--metrics', `127.0.0.1:${await closedPort()}`, '--ops-token', join(dir, `${id}.token`)],
        // info: the bind and unbind lines are how holders are counted (a quiet cluster logs nothing else).
        ...['--log-level', 'info'],
      ];
      const a = o.spawn(id, argv, (line, at) => onLine(id, line, at));
      a.exited.then(() => {
        const at = Date.now();
        for (const [vip, holders] of held) {
          const from = holders.get(id);
          if (from !== undefined) ended.push([vip, from, at]);
          holders.delete(id);
        }
      });
      agents.push(a);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    agents,
    vips: agents.map((a) => a.vip),
    holders: (vip) => [...(held.get(vip)?.keys() ?? [])],
    maxHolders: () =>
      maxOverlap([
        ...ended,
        ...[...held].flatMap(([v, h]) => [...h.values()].map((from): [string, number, number] => [v, from, Infinity])),
      ]),
    boundAt: (vip, node) => held.get(vip)?.get(node),
    async kill(id) {
      const a = agents.find((x) => x.id === id);
      if (!a) throw new Error(`no agent ${id}`);
      a.kill('SIGKILL');
      await a.exited;
    },
    close,
  };
}

/** The most intervals of one VIP that overlap (an end at the same ms as a start does not overlap). */
function maxOverlap(intervals: Array<[string, number, number]>): number {
  let max = 0;
  for (const vip of new Set(intervals.map((i) => i[0]))) {
    const edges = intervals
      .filter((i) => i[0] === vip)
      .flatMap(([, from, to]): Array<[number, number]> => [
        [from, 1],
        [to, -1],
      ])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    for (const [, d] of edges) max = Math.max(max, (now += d));
  }
  return max;
}

/** SIGTERM (the planned stop), SIGKILL after 5 s. */
async function stop(a: AgentProc): Promise<void> {
  if (!a.alive) return;
  a.kill('SIGTERM');
  const timer = setTimeout(() => a.kill('SIGKILL'), 5000);
  await a.exited;
  clearTimeout(timer);
}
