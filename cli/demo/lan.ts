import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfCommand } from '../../agent/self-command';
import { loadConfig } from '../../core/config';
import { analyze, createLab, type AddressWatch, type Lab, type LabProcess, type Prober } from '../../sim/lab';
import { stamp } from './watch';

/**
 * examples/lan/ipferry.yaml, embedded so the demo needs no files around it; test/cli/demo-lan.test.ts
 * keeps the two identical.
 */
export const LAN_EXAMPLE_YAML = `# Three hosts on one LAN segment, no control plane: the agents decide among themselves (peer mode)
# and plumb the VIP with \`ip addr\` and gratuitous ARP. Start each with
#   ipferry agent --config examples/lan/ipferry.yaml --node n1     (as root, or with CAP_NET_ADMIN)
# npm run demo -- --lan runs exactly this in network namespaces.
cluster: lan
control:
  mode: peer          # UDP heartbeats to every node's first address, port 7401
security:
  psk: "lan-demo-pre-shared-key-change-me"   # prefer pskFile or pskEnv outside a lab
nodes:
  - { id: n1, interface: eth0, addresses: [198.18.0.11] }
  - { id: n2, interface: eth0, addresses: [198.18.0.12] }
  - { id: n3, interface: eth0, addresses: [198.18.0.13] }
checks:
  service: { kind: tcp, target: "127.0.0.1:7007", interval: 500ms, timeout: 300ms, rise: 2, fall: 2 }
vips:
  - name: web
    address: 198.18.0.50/24
    preferred: n1
    checks: [service]
`;

export interface LanDemoOptions {
  print: (line: string) => void;
  /** One JSON line per move instead of commentary. */
  json: boolean;
  /** How to run ipferry in the lab hosts (default: this program). */
  self?: string[];
  isRoot?: () => boolean;
}

const VIP = '198.18.0.50';
const NODES = ['n1', 'n2', 'n3'];
const hostOf = (node: string) => node.replace('n', 'h');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `ipferry demo --lan` (root): the LAN lab (sim/lab) with three hosts, one `ipferry agent` per host
 * from examples/lan/ipferry.yaml with the real Linux plumbing, a client probing the VIP over UDP
 * every 10 ms. It kills the owner with SIGKILL and shows the failover as the client and the kernels
 * saw it, then brings the owner back and shows the preemption; the lab is always destroyed.
 * Returns the exit code: 2 without root.
 */
export async function lanDemo(opts: LanDemoOptions): Promise<number> {
  if (!(opts.isRoot ?? (() => process.getuid?.() === 0))()) {
    console.error(
      'ipferry demo --lan needs root: it builds a LAN of network namespaces (ip netns, veth, a bridge) and plumbs addresses in them.\nRun it as root (sudo npm run demo -- --lan), or run `npm run demo` for the cloud demo, which needs no root.',
    );
    return 2;
  }
  if (!import.meta.url.endsWith('.ts')) {
    // The lab compiles the programs it runs in the namespaces (responder, prober) from their sources.
    console.error(
      'ipferry demo --lan runs from a checkout of ipferry (npm run demo -- --lan): the lab builds its in-namespace programs from the sources, which the single-file bundle does not carry.',
    );
    return 2;
  }
  const say = (line: string) => (opts.json ? undefined : opts.print(line));
  const config = loadConfig(LAN_EXAMPLE_YAML);
  const { heartbeatInterval, deadAfter, preemptDelay } = config.timers;
  const dir = await mkdtemp(join(tmpdir(), 'ipferry-demo-lan-'));
  const configFile = join(dir, 'ipferry.yaml');
  await writeFile(configFile, LAN_EXAMPLE_YAML);
  const [cmd, ...pre] = opts.self ?? selfCommand();
  let lab: Lab | undefined;
  const interrupted = () => void lab?.destroy().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    say('ipferry demo --lan: three hosts on one Ethernet segment in network namespaces, no cloud, no control plane');
    lab = await createLab({ hosts: 3 });
    const l = lab;
    say(
      `  lab ${l.prefix}: h1 198.18.0.11, h2 .12, h3 .13 on eth0; a client at .200 probes ${VIP} over UDP every 10 ms`,
    );
    say(
      `  peer timers: heartbeat ${heartbeatInterval} ms, deadAfter ${deadAfter} ms, preemptDelay ${preemptDelay} ms; config: ${configFile}\n`,
    );
    const held = await l.watchAddresses();
    const agents = new Map<string, LabProcess>();
    const start = (node: string) =>
      agents.set(
        node,
        l.spawn(hostOf(node), cmd!, [
          ...pre,
          'agent',
          '--config',
          configFile,
          '--node',
          node,
          '--hostnet',
          'linux',
          '--identity',
          'config',
          '--metrics',
          '127.0.0.1:9477',
        ]),
      );
    for (const n of NODES) start(n);
    say("starting three agents; n1 is web's preferred node…");
    await waitFor(() => held.holders(VIP).join() === 'h1', 60_000, 'h1 to hold web', agents);
    say(`web is on h1 (bound by its agent and announced with gratuitous ARP)\n`);

    const prober = await l.startProber({ vip: VIP, durationMs: 120_000 });
    const live = liveView(prober, held, say);
    await sleep(2000);
    const crashAt = Date.now();
    agents.get('n1')!.kill('SIGKILL');
    live.note(crashAt, "n1's agent killed (SIGKILL): no leaving heartbeat; its fence removes the address at once");
    await waitFor(() => ['h2', 'h3'].includes(held.holders(VIP)[0] ?? ''), 15_000, 'a survivor to take web', agents);
    await sleep(1500);
    const failover = phase(prober, held, crashAt, Date.now() - 200);
    report(
      opts,
      say,
      { event: 'crash', from: 'h1', ...failover, lab: l.prefix },
      `failover: ${failover.to} answers after an outage of ${failover.outage_ms} ms (the peers declare n1 dead ${deadAfter} ms after its last heartbeat); at most ${failover.responders} host(s) answered at once`,
    );

    const backAt = Date.now();
    start('n1');
    live.note(
      backAt,
      `n1's agent starts again; it is preferred, so it takes web back once healthy for preemptDelay (${preemptDelay / 1000} s)`,
    );
    await waitFor(() => held.holders(VIP).join() === 'h1', 60_000, 'h1 to take web back', agents);
    await sleep(1500);
    const handback = phase(prober, held, backAt, Date.now() - 200);
    report(
      opts,
      say,
      { event: 'return', from: failover.to, ...handback, lab: l.prefix },
      `home: h1 answers again; the handback (break before make) cost the client ${handback.outage_ms} ms; at most ${handback.responders} host(s) answered at once`,
    );
    live.stop();
    await prober.stop();
    return 0;
  } finally {
    process.off('SIGINT', interrupted);
    await rm(dir, { recursive: true, force: true });
    if (lab) {
      await lab.destroy();
      say('lab destroyed');
    }
  }
}

interface Phase {
  to: string | null;
  outage_ms: number;
  responders: number;
}

function phase(prober: Prober, held: AddressWatch, from: number, to: number): Phase {
  const t = prober.snapshot();
  const slice = {
    ...t,
    endedAt: to,
    udp: t.udp.filter((p) => p.sentAt >= from && p.sentAt < to),
    tcp: t.tcp.filter((p) => p.sentAt >= from && p.sentAt < to),
  };
  const a = analyze(slice, { faultAt: from });
  return {
    to: a.segments.at(-1)?.by ?? null,
    outage_ms: a.outageMs,
    responders: Math.max(a.maxDistinctResponders, held.maxHolders(VIP, from, to)),
  };
}

function report(opts: LanDemoOptions, say: (l: string) => void, line: object, text: string): void {
  if (opts.json) opts.print(JSON.stringify(line));
  say(`\n${text}\n`);
}

/** Once a second: who holds web and who answered the client; address changes as they happen. */
function liveView(prober: Prober, held: AddressWatch, say: (l: string) => void) {
  const t0 = Date.now();
  const changes = () => held.events().filter((e) => e.address === VIP);
  let seen = changes().length;
  const tick = setInterval(() => {
    const now = Date.now();
    const recent = prober.snapshot().udp.filter((p) => p.sentAt >= now - 1100 && p.sentAt < now - 100);
    const by = new Map<string, number>();
    for (const p of recent) for (const r of p.replies) by.set(r.by, (by.get(r.by) ?? 0) + 1);
    const answers = by.size === 0 ? 'no answers' : [...by].map(([h, n]) => `${h} ${n}/s`).join(', ');
    say(
      `${stamp(now - t0)}  web on [${held.holders(VIP).join(', ') || 'nobody'}]   client: ${answers} (of ${recent.length} probes)`,
    );
  }, 1000);
  const events = setInterval(() => {
    const all = changes();
    for (const e of all.slice(seen)) say(`${stamp(e.at - t0)}  ${e.host}: ${VIP} ${e.added ? 'bound' : 'removed'}`);
    seen = all.length;
  }, 50);
  return {
    note: (at: number, text: string) => say(`${stamp(at - t0)}  ${text}`),
    stop: () => {
      clearInterval(tick);
      clearInterval(events);
    },
  };
}

async function waitFor(
  ok: () => boolean,
  timeoutMs: number,
  what: string,
  agents: ReadonlyMap<string, LabProcess>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) {
      const tails = [...agents]
        .map(([n, p]) => `${n}: ${p.stderrTail().split('\n').slice(-3).join(' | ') || '(no stderr)'}`)
        .join('\n');
      throw new Error(`demo --lan: timed out after ${timeoutMs / 1000} s waiting for ${what}\n${tails}`);
    }
    await sleep(50);
  }
}
