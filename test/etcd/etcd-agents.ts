import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnIpferry, type AgentProcess } from '../helpers/agent-process';

/**
 * Real `ipferry agent` processes in etcd mode (recording host network), and what their logs say:
 * who bound what when, who was elected decider. Each agent's exec check fails while the file
 * `fail-<node>` exists in the cluster's directory, so a test can make one node unhealthy.
 */

export const TTL_MS = 2000;

export interface Holding {
  node: string;
  vip: string;
  from: number;
  /** When it stopped holding: unbound, or the process ended; undefined while it holds. */
  to?: number;
}

export interface EtcdAgents {
  dir: string;
  configFile: string;
  procs: Map<string, AgentProcess>;
  start(node: string): AgentProcess;
  /** When each process exited (ms), for the holdings of a killed agent. */
  exits: Map<string, number>;
  holdings(): Holding[];
  /** Live holders of `vip` now. */
  holders(vip: string): string[];
  /** The node whose log last says it was elected decider and has not exited. */
  decider(): string | undefined;
  fail(node: string, failing: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function etcdAgents(opts: {
  endpoints: string[];
  nodes: string[];
  vips: Array<Record<string, unknown>>;
  prefix?: string;
}): Promise<EtcdAgents> {
  const dir = await mkdtemp(join(tmpdir(), 'ipferry-etcd-agents-'));
  const configFile = join(dir, 'cluster.yaml');
  await writeFile(
    configFile,
    stringify({
      cluster: 'etcd-e2e',
      control: { mode: 'etcd', endpoints: opts.endpoints, ...(opts.prefix ? { prefix: opts.prefix } : {}) },
      security: { psk: 'etcd-e2e-psk-0123456789abcdef' },
      timers: { heartbeatInterval: '200ms', deadAfter: `${TTL_MS}ms`, minHold: '0s', preemptDelay: '1s' },
      nodes: opts.nodes.map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
      checks: {
        up: { kind: 'exec', command: ['sh', '-c', 'test ! -e "$FAIL_FILE"'], interval: '200ms', timeout: '150ms' },
      },
      vips: opts.vips.map((v, i) => ({ address: `198.18.0.${101 + i}/24`, checks: ['up'], ...v })),
    }),
  );
  const procs = new Map<string, AgentProcess>();
  const exits = new Map<string, number>();
  const failFile = (node: string) => join(dir, `fail-${node}`);
  const time = (l: Record<string, unknown>) => Number(l.time);

  const holdings = (): Holding[] => {
    const out: Holding[] = [];
    for (const [node, p] of procs) {
      const open = new Map<string, Holding>();
      for (const l of p.logs) {
        const msg = String(l.msg ?? '');
        const vip = typeof l.vip === 'string' ? l.vip : undefined;
        if (!vip) continue;
        if (/^bound /.test(msg) || / adopting it at epoch /.test(msg)) {
          if (!open.has(vip)) open.set(vip, { node, vip, from: time(l) });
        } else if (/^unbound /.test(msg)) {
          const h = open.get(vip);
          if (h) out.push({ ...h, to: time(l) });
          open.delete(vip);
        }
      }
      const ended = exits.get(node);
      for (const h of open.values()) out.push(ended === undefined ? h : { ...h, to: ended });
    }
    return out;
  };

  return {
    dir,
    configFile,
    procs,
    exits,
    start(node) {
      const p = spawnIpferry(
        ['agent', '--config', configFile, '--node', node, '--hostnet', 'recording', '--metrics', '127.0.0.1:0'],
        { IPFERRY_LOG_LEVEL: 'info', FAIL_FILE: failFile(node) },
      );
      p.child.once('exit', () => exits.set(node, Date.now()));
      procs.set(node, p);
      exits.delete(node);
      return p;
    },
    holdings,
    holders: (vip) =>
      holdings()
        .filter((h) => h.vip === vip && h.to === undefined)
        .map((h) => h.node),
    decider() {
      let best: { node: string; at: number } | undefined;
      for (const [node, p] of procs) {
        if (exits.has(node)) continue;
        for (const l of p.logs)
          if (l.msg === 'elected decider' && (!best || time(l) > best.at)) best = { node, at: time(l) };
      }
      return best?.node;
    },
    async fail(node, failing) {
      if (failing) await writeFile(failFile(node), 'fail\n');
      else await rm(failFile(node), { force: true });
    },
    async close() {
      for (const [node, p] of procs) if (!exits.has(node)) p.kill('SIGKILL');
      await Promise.all([...procs.values()].map((p) => p.exited(5000).catch(() => undefined)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Pairs of holdings of one VIP by two nodes that overlap in time: two holders at once. */
export function overlaps(holdings: readonly Holding[]): string[] {
  const out: string[] = [];
  for (const a of holdings)
    for (const b of holdings) {
      if (a.vip !== b.vip || a.node >= b.node) continue;
      const aEnd = a.to ?? Infinity;
      const bEnd = b.to ?? Infinity;
      if (a.from < bEnd && b.from < aEnd)
        out.push(`${a.vip}: ${a.node} [${a.from},${a.to}] and ${b.node} [${b.from},${b.to}]`);
    }
  return out;
}

/** Polls until `read` gives a value (bounded). */
export async function until<T>(what: string, read: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
