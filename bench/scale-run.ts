/**
 * One bench:scale measurement: a cluster of one mode and size (bench/scale-cluster.ts), from the
 * first spawn until every VIP is bound exactly once (converge), a quiet window in which each
 * agent's CPU and resident set are read from /proc (and etcd's own, in etcd mode), then kill -9 of
 * an owner until another agent binds its VIP (takeover). Holders are counted throughout from
 * every agent's own "bound"/"unbound" log lines (pino's timestamps); `max_holders` is the most
 * agents that held one VIP at once (must stay 1).
 */
import { loadavg } from 'node:os';
import { startEtcd, type EtcdCluster } from '../test/helpers/etcd';
import type { AgentProgram } from './agent-child';
import { childrenNamed, cpuPercent, round, usageOf, type Usage } from './proc-usage';
import { startCluster, type Cluster, type Mode } from './scale-cluster';
import { createLab, type Lab } from '../sim/lab';
import { hostSpawner, labSpawner } from './scale-spawn';

export interface ScaleOptions {
  mode: Mode;
  nodes: number;
  program: AgentProgram;
  /** The quiet window CPU and memory are measured over. */
  windowMs: number;
  /** From convergence to the window: start-up's own cost (V8 compacts the heap ~8 s after start) kept out. */
  settleMs: number;
  log?: (line: string) => void;
}

export interface ScaleLine {
  mode: Mode;
  nodes: number;
  cpu_pct_per_agent: number;
  rss_mb: number;
  converge_s: number;
  takeover_ms: number;
  max_holders: number;
  rss_mb_max: number;
  /** etcd mode: the etcd server's own CPU (% of a core) and resident set over the same window. */
  etcd_cpu_pct?: number;
  etcd_rss_mb?: number;
  /** etcd mode: per agent, counting 1/nodes of the etcd server's CPU and memory to each agent. */
  cpu_pct_per_agent_with_etcd?: number;
  rss_mb_with_etcd?: number;
  killed: string;
  window_s: number;
  /** The machine's 1-minute load average when the window ended (`uptime`): CPU figures on a busy host are inflated. */
  load_avg: number;
  agents: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => round(bytes / 1048576);

export async function measureScale(o: ScaleOptions): Promise<ScaleLine> {
  const log = o.log ?? (() => {});
  let etcd: EtcdCluster | undefined;
  let lab: Lab | undefined;
  let cluster: Cluster | undefined;
  try {
    let etcdPid: number | undefined;
    if (o.mode === 'etcd') {
      const before = new Set(await childrenNamed('etcd'));
      // etcd's own default raft timers (100 ms heartbeat, 1 s election), as an operator's etcd runs.
      etcd = await startEtcd({ heartbeatMs: 100, electionMs: 1000 });
      etcdPid = (await childrenNamed('etcd')).find((p) => !before.has(p));
      if (!etcdPid) throw new Error('cannot find the etcd process just started');
    } else lab = await createLab({ hosts: o.nodes, responders: false });
    const t0 = Date.now();
    cluster = await startCluster({
      mode: o.mode,
      nodes: o.nodes,
      program: o.program,
      spawn: lab ? labSpawner(lab, o.program) : hostSpawner(o.program),
      ...(etcd ? { endpoints: etcd.endpoints } : {}),
    });
    const c = cluster;
    const convergeLimit = 60_000 + 3000 * o.nodes;
    let converge_s: number | undefined;
    while (Date.now() - t0 < convergeLimit) {
      dead(c);
      if (c.vips.every((v) => c.holders(v).length === 1)) {
        const last = Math.max(...c.vips.map((v) => c.boundAt(v, c.holders(v)[0]!)!));
        converge_s = round((last - t0) / 1000);
        break;
      }
      await sleep(100);
    }
    if (converge_s === undefined) {
      const off = c.vips.filter((v) => c.holders(v).length !== 1).map((v) => `${v}: [${c.holders(v).join(' ')}]`);
      throw new Error(
        `${o.mode} ${o.nodes}: not converged within ${convergeLimit} ms; held other than once: ${off.join(', ')}`,
      );
    }
    log(`${o.mode} ${o.nodes}: converged in ${converge_s} s; settling ${o.settleMs} ms`);
    await sleep(o.settleMs);
    dead(c);

    const pids = c.agents.map((a) => a.pid);
    const first = await usages(pids);
    const etcdFirst = etcdPid ? await usageOf(etcdPid) : undefined;
    const w0 = performance.now();
    await sleep(o.windowMs);
    const last = await usages(pids);
    const etcdLast = etcdPid ? await usageOf(etcdPid) : undefined;
    const wallMs = performance.now() - w0;
    const cpus = pids.map((_, i) => cpuPercent(first[i]!, last[i]!, wallMs));
    const rss = last.map((u) => u.rssBytes);
    const cpu = cpus.reduce((s, x) => s + x, 0) / cpus.length;
    const rssMean = rss.reduce((s, x) => s + x, 0) / rss.length;
    const load = loadavg()[0]!;

    dead(c);
    // The owner of the last VIP held once, by its preferred node (vN by nN: no preemption move under
    // way to blur the takeover); in etcd mode usually not the decider (the first agent up leads).
    const once = c.vips.filter((v) => c.holders(v).length === 1);
    const vip = once.filter((v) => c.holders(v)[0] === `n${v.slice(1)}`).pop() ?? once.pop();
    if (!vip) throw new Error(`${o.mode} ${o.nodes}: no VIP held exactly once after the window: nothing to take over`);
    const killed = c.holders(vip)[0]!;
    const k0 = Date.now();
    await c.kill(killed);
    let takeover_ms: number | undefined;
    while (Date.now() - k0 < 60_000) {
      const next = c.holders(vip)[0];
      if (next) {
        takeover_ms = c.boundAt(vip, next)! - k0;
        break;
      }
      await sleep(20);
    }
    if (takeover_ms === undefined) throw new Error(`${o.mode} ${o.nodes}: nobody took ${vip} over within 60 s`);
    // A second holder would show in the next moments, if there were one.
    await sleep(1000);

    const line: ScaleLine = {
      mode: o.mode,
      nodes: o.nodes,
      cpu_pct_per_agent: round(cpu),
      rss_mb: mb(rssMean),
      converge_s,
      takeover_ms,
      max_holders: c.maxHolders(),
      rss_mb_max: mb(Math.max(...rss)),
      killed,
      window_s: round(wallMs / 1000),
      load_avg: round(load),
      agents:
        o.mode === 'peer'
          ? 'real ipferry agent processes, one per lab network namespace (recording host network)'
          : 'real ipferry agent processes on this host, one etcd member on loopback (recording host network)',
    };
    if (etcdFirst && etcdLast) {
      const etcdCpu = cpuPercent(etcdFirst, etcdLast, wallMs);
      Object.assign(line, {
        etcd_cpu_pct: round(etcdCpu),
        etcd_rss_mb: mb(etcdLast.rssBytes),
        cpu_pct_per_agent_with_etcd: round(cpu + etcdCpu / o.nodes),
        rss_mb_with_etcd: mb(rssMean + etcdLast.rssBytes / o.nodes),
      });
    }
    return line;
  } finally {
    await cluster?.close();
    await etcd?.close();
    await lab?.destroy();
  }
}

/** Throws with its last words if an agent died on its own (start-up refused, a crash). */
function dead(c: Cluster): void {
  const gone = c.agents.find((a) => !a.alive);
  if (gone) throw new Error(`agent ${gone.id} exited: ${gone.tail().slice(-800)}`);
}

async function usages(pids: number[]): Promise<Usage[]> {
  const out = await Promise.all(pids.map((p) => usageOf(p)));
  const missing = out.findIndex((u) => !u);
  if (missing >= 0) throw new Error(`agent pid ${pids[missing]} is gone: cannot read its CPU`);
  return out as Usage[];
}
