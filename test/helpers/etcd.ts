import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './closed-port';

/**
 * The real `etcd` binary (Debian's etcd-server, 3.4) on 127.0.0.1: one member or a three-member
 * cluster, each with free ports and a data directory of its own under the system temp dir.
 *
 * - Timers are tight (etcd's own --heartbeat-interval / --election-timeout), so a cluster elects a
 *   leader in well under a second and a lost member is noticed quickly.
 * - Each member runs under `setpriv --pdeathsig KILL`: if the test process dies without cleaning
 *   up, the kernel kills etcd too, so nothing is left running.
 * - `close()` kills every member and removes the data directories; call it in afterAll/finally.
 * - Nothing here needs root: etcd runs as whoever runs the tests, data dirs are 0700 (mkdtemp),
 *   the environment's ETCD_* variables are dropped so a host's settings cannot leak in.
 */

export interface EtcdMember {
  readonly name: string;
  /** http://127.0.0.1:<port>, what clients connect to. */
  readonly clientUrl: string;
  readonly peerUrl: string;
  /** Whether the member's process is running (started and not yet exited). */
  readonly running: boolean;
}

export interface EtcdCluster {
  /** Every member's client URL, in member order. */
  readonly endpoints: string[];
  readonly members: readonly EtcdMember[];
  /** Sends `signal` (default SIGKILL) to member `i` and waits until its process has exited. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts member `i` again on its data directory and ports; waits until it is healthy. */
  restart(i: number): Promise<void>;
  /** Waits until member `i` answers /health with a leader (bounded; throws with its log tail). */
  waitHealthy(i: number, timeoutMs?: number): Promise<void>;
  /** Kills every member and removes the data directories. Safe to call twice. */
  close(): Promise<void>;
}

export interface EtcdOptions {
  members?: 1 | 3;
  /** etcd's --heartbeat-interval in ms (default 50). */
  heartbeatMs?: number;
  /** etcd's --election-timeout in ms (default 500; etcd wants at least 5 heartbeats). */
  electionMs?: number;
  /** How long to wait for the cluster to become healthy (default 20 s). */
  startTimeoutMs?: number;
}

interface MemberSlot {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  proc?: ChildProcess;
  exited?: Promise<void>;
  log: string[];
}

const ETCD_BIN = 'etcd';

/** Starts etcd; retries with fresh ports when a port picked free was taken meanwhile (bounded). */
export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdCluster> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const cluster = await launch(opts);
    try {
      for (let i = 0; i < cluster.members.length; i++) await cluster.waitHealthy(i, opts.startTimeoutMs ?? 20_000);
      return cluster;
    } catch (err) {
      lastError = err;
      await cluster.close();
      if (!/address already in use/i.test(String(err))) throw err;
    }
  }
  throw lastError;
}

async function launch(opts: EtcdOptions): Promise<EtcdCluster> {
  const count = opts.members ?? 1;
  const token = `ipferry-test-${process.pid}-${Date.now().toString(36)}`;
  const slots: MemberSlot[] = [];
  for (let i = 0; i < count; i++) {
    slots.push({
      name: `m${i}`,
      clientPort: await closedPort(),
      peerPort: await closedPort(),
      dataDir: mkdtempSync(join(tmpdir(), 'ipferry-etcd-')),
      log: [],
    });
  }
  const initialCluster = slots.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  const heartbeat = opts.heartbeatMs ?? 50;
  const election = opts.electionMs ?? 500;

  const args = (s: MemberSlot): string[] => [
    '--pdeathsig',
    'KILL',
    '--',
    ETCD_BIN,
    `--name=${s.name}`,
    `--data-dir=${s.dataDir}`,
    `--listen-client-urls=http://127.0.0.1:${s.clientPort}`,
    `--advertise-client-urls=http://127.0.0.1:${s.clientPort}`,
    `--listen-peer-urls=http://127.0.0.1:${s.peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${s.peerPort}`,
    `--initial-cluster=${initialCluster}`,
    `--initial-cluster-token=${token}`,
    '--initial-cluster-state=new',
    `--heartbeat-interval=${heartbeat}`,
    `--election-timeout=${election}`,
    '--logger=zap',
    '--log-level=warn',
    '--log-outputs=stderr',
  ];

  const start = (s: MemberSlot): void => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_')) env[k] = v;
    const proc = spawn('setpriv', args(s), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    s.proc = proc;
    const keep = (chunk: Buffer): void => {
      s.log.push(chunk.toString('utf8'));
      if (s.log.length > 200) s.log.splice(0, s.log.length - 200);
    };
    proc.stderr!.on('data', keep);
    s.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    proc.once('error', (err) => s.log.push(`spawn failed: ${err.message}\n`));
  };
  for (const s of slots) start(s);

  const isRunning = (s: MemberSlot): boolean => !!s.proc && s.proc.exitCode === null && s.proc.signalCode === null;
  let closed = false;

  const kill = async (i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const s = slots[i]!;
    if (!isRunning(s)) return;
    s.proc!.kill(signal);
    await s.exited;
  };

  const waitHealthy = async (i: number, timeoutMs = 20_000): Promise<void> => {
    const s = slots[i]!;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!isRunning(s))
        throw new Error(`etcd member ${s.name} exited before it was healthy:\n${tail(s)}`, { cause: s.proc?.exitCode });
      if (await healthy(s.clientPort)) return;
      if (Date.now() > deadline)
        throw new Error(`etcd member ${s.name} not healthy after ${timeoutMs} ms:\n${tail(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    endpoints: slots.map((s) => `http://127.0.0.1:${s.clientPort}`),
    members: slots.map((s) => ({
      name: s.name,
      clientUrl: `http://127.0.0.1:${s.clientPort}`,
      peerUrl: `http://127.0.0.1:${s.peerPort}`,
      get running() {
        return isRunning(s);
      },
    })),
    kill,
    waitHealthy,
    async restart(i: number): Promise<void> {
      if (closed) throw new Error('etcd cluster already closed');
      await kill(i);
      // The data dir now holds the member's identity: --initial-cluster* flags are ignored on it.
      start(slots[i]!);
      await waitHealthy(i);
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(slots.map((_, i) => kill(i)));
      for (const s of slots) rmSync(s.dataDir, { recursive: true, force: true });
    },
  };
}

async function healthy(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await r.json()) as { health?: unknown };
    return r.ok && body.health === 'true';
  } catch {
    return false;
  }
}

function tail(s: MemberSlot): string {
  return s.log.join('').split('\n').slice(-15).join('\n');
}
