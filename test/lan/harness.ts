import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Config } from '../../core/config';
import { createLab, type AddressWatch, type Lab } from '../../sim/lab';
import { AgentRun } from './agent-run';
import { hostOf, lanConfig, type LanConfigOptions } from './lan-config';
import { Probing, type ClientView, type ProbeRunOptions } from './probing';

export { hostOf, nodeOf, type LanVip } from './lan-config';
export type { PhaseResult } from './probing';

export interface ClusterOptions extends LanConfigOptions {
  /** Nodes whose agents start at once (default all). */
  start?: readonly string[];
  /** Lab hosts (default one per node); extra hosts run no agent (e.g. a control plane's host). */
  labHosts?: number;
}

/** What `/status` on an agent's ops port says (the parts the scenarios read). */
export interface PeerAgentStatus {
  node: string;
  held: Array<{ vip: string; epoch: number | null }>;
  peer: {
    quorum: { ok: boolean; heard: number; needed: number } | null;
    diagnostics: string[];
    claiming: string[];
    waiting: Array<{ vip: string; holder: string }>;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A peer-mode cluster in the LAN lab: one lab host per node (n1 in h1 at 198.18.0.11, …), one
 * `ipferry agent` process per running node with the real Linux plumbing, and the kernel's own
 * record of who held which address when (`AddressWatch`). Every wait is bounded and its failure
 * says what the agents logged.
 */
export class LanCluster {
  readonly agents = new Map<string, AgentRun>();
  readonly startedAt = Date.now();

  private constructor(
    readonly lab: Lab,
    readonly config: Config,
    readonly configFile: string,
    private readonly dir: string,
    readonly addresses: AddressWatch,
  ) {}

  static async start(o: ClusterOptions): Promise<LanCluster> {
    const { yaml, config } = lanConfig(o);
    const dir = await mkdtemp(join(tmpdir(), 'ipferry-lan-'));
    const configFile = join(dir, 'ipferry.yaml');
    await writeFile(configFile, yaml);
    const lab = await createLab({ hosts: o.labHosts ?? o.nodes });
    try {
      const addresses = await lab.watchAddresses();
      const cluster = new LanCluster(lab, config, configFile, dir, addresses);
      for (const node of o.start ?? config.nodes.map((n) => n.id)) cluster.startAgent(node);
      return cluster;
    } catch (err) {
      await lab.destroy();
      throw err;
    }
  }

  /** Starts (or restarts, once the previous one exited) a node's agent. */
  startAgent(node: string): AgentRun {
    const running = this.agents.get(node);
    if (running && !running.done) throw new Error(`${node}'s agent is already running`);
    const run = new AgentRun(this.lab, node, hostOf(node), this.configFile);
    this.agents.set(node, run);
    return run;
  }

  agent(node: string): AgentRun {
    const a = this.agents.get(node);
    if (!a) throw new Error(`no agent was started for ${node}`);
    return a;
  }

  /** The VIP's address by name (or the address itself). */
  address(vip: string): string {
    return this.config.vips.find((v) => v.name === vip)?.ip?.text ?? vip;
  }

  /** Hosts whose kernel carries the VIP now. */
  holders(vip: string): string[] {
    return this.addresses.holders(this.address(vip));
  }

  /** Waits (polling every `pollMs`, at most `timeoutMs`) until `ok()` holds; resolves with how long it took. */
  async until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 50): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (await ok()) return Date.now() - started;
      await sleep(pollMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.report()}`);
  }

  /** Until exactly these hosts carry the VIP. */
  waitHolders(vip: string, hosts: readonly string[], timeoutMs: number): Promise<number> {
    const want = [...hosts].sort().join(',');
    return this.until(
      `${vip} held by [${want}] (now [${this.holders(vip).join(',')}])`,
      () => this.holders(vip).sort().join(',') === want,
      timeoutMs,
    );
  }

  /** The agent's /status, read inside its namespace (every namespace has its own loopback). */
  async status(node: string): Promise<PeerAgentStatus> {
    const r = await this.lab.exec(hostOf(node), 'curl', ['-sS', '--max-time', '2', 'http://127.0.0.1:9477/status'], {
      timeoutMs: 5000,
    });
    if (r.code !== 0) throw new Error(`${node}: /status failed (curl exit ${r.code}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as PeerAgentStatus;
  }

  /** Probes a VIP from the client and watches ARP from the observer while `script` runs; see probing.ts. */
  probe(
    options: ProbeRunOptions,
    script: (mark: (phase: string) => number, client: ClientView) => Promise<void>,
  ): Promise<Probing> {
    return Probing.run(this, options, script);
  }

  /** The largest number of hosts the kernel says held the VIP at once, since the cluster started. */
  maxHolders(vip: string, from?: number, to?: number): number {
    return this.addresses.maxHolders(this.address(vip), from, to);
  }

  /**
   * Log lines no scenario should cause: errors, an epoch moving backwards, an assignment refused
   * by the epoch fence. Each scenario asserts there are none.
   */
  problems(): string[] {
    const out: string[] = [];
    for (const a of this.agents.values()) {
      for (const l of a.logs()) {
        const msg = String(l.msg);
        const back = /epoch (\d+) → (\d+)/.exec(msg);
        if (
          Number(l.level) >= 50 ||
          (back && Number(back[2]) < Number(back[1])) ||
          msg.startsWith('ignored assignment')
        )
          out.push(`${a.node} +${l.at - this.startedAt}ms: ${msg}`);
      }
    }
    return out;
  }

  /** What every agent logged that matters, and who held what when: for failure messages. */
  report(since = this.startedAt): string {
    const holders = this.config.vips
      .map((v) => `  ${v.name}: [${this.holders(v.name).join(',')}]${this.overlapText(v.name, since)}`)
      .join('\n');
    const logs = [...this.agents.values()].map((a) => a.tail(25, since)).join('\n');
    return `holders now:\n${holders}\nagent logs (ms since the cluster started):\n${logs}`;
  }

  async destroy(): Promise<void> {
    try {
      await this.lab.destroy();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  private overlapText(vip: string, since: number): string {
    const o = this.addresses.overlaps(this.address(vip));
    return o.length === 0
      ? ''
      : ` — held twice: ${o.map((x) => `+${x.from - since}..${x.to === null ? 'now' : `+${x.to - since}`} by ${x.hosts.join('+')}`).join('; ')}`;
  }
}

/**
 * For a test file: starts lab clusters and destroys each one after its test, pass or fail.
 * `webOnH1` is the common start: examples/lan's three nodes, with web held by h1.
 */
export function labClusters(): { start(o: ClusterOptions): Promise<LanCluster>; webOnH1(): Promise<LanCluster> } {
  let current: LanCluster | undefined;
  afterEach(async () => {
    await current?.destroy();
    current = undefined;
  });
  const start = async (o: ClusterOptions) => (current = await LanCluster.start(o));
  return {
    start,
    async webOnH1() {
      const c = await start({ nodes: 3 });
      await c.waitHolders('web', ['h1'], 30_000);
      return c;
    },
  };
}
