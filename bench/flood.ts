/**
 * npm run bench:flood (root) — issue 17, finding 3: random UDP datagrams at the owner's peer port
 * from a LAN host that is no peer, while a client probes the VIP. The lab (sim/lab) with four
 * hosts, three `ipferry agent` processes from examples/lan/ipferry.yaml (web on h1), h4 runs the
 * flood generator (sim/lab/flood.ts, `--procs` processes sharing the rate). One JSON line per run:
 *   {"target_per_s","seconds","sent","sent_per_s","udp_in_at_owner","dropped_in_kernel",
 *    "rcvbuf_errors","agent_received","agent_refused","longest_gap_ms","responders","holders_after"}
 * udp_in_at_owner: UDP datagrams h1's kernel took in during the run (/proc/net/snmp, all ports);
 * dropped_in_kernel: those no socket matched (NoPorts): the junk, dropped before any process woke;
 * rcvbuf_errors: datagrams lost to a full socket queue (a peer's heartbeat among them would count);
 * agent_received / agent_refused: what n1's peer sockets handed to its loop, and what it refused;
 * longest_gap_ms: the client's longest run of unanswered probes from the flood's start to 2 s after
 * it; responders: the most hosts answering at once (1 = never two).
 *
 *   tsx bench/flood.ts [--rate 150000] [--seconds 10] [--procs 2] [--nice -5] [--runs 1]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LanCluster } from '../test/lan/harness';

const FLOOD = fileURLToPath(new URL('../sim/lab/flood.ts', import.meta.url));
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '150000' },
    seconds: { type: 'string', default: '10' },
    procs: { type: 'string', default: '2' },
    nice: { type: 'string', default: '-5' },
    runs: { type: 'string', default: '1' },
  },
});
const [rate, seconds, procs, nice, runs] = [values.rate, values.seconds, values.procs, values.nice, values.runs].map(
  Number,
) as [number, number, number, number, number];
if (!(
  rate > 0 &&
  rate <= 1_000_000 &&
  seconds > 0 &&
  seconds <= 60 &&
  procs >= 1 &&
  procs <= 4 &&
  runs >= 1 &&
  runs <= 10 &&
  Number.isInteger(nice)
)) {
  throw new Error('usage: bench/flood.ts [--rate N<=1e6] [--seconds N<=60] [--procs 1-4] [--nice N] [--runs 1-10]');
}
if (process.getuid?.() !== 0) {
  console.error('bench/flood.ts needs root: it builds network namespaces (sim/lab)');
  process.exit(2);
}

interface PeerStatus {
  refused: Record<string, number>;
  sources: Array<{ source: string; received: number }>;
}

async function udpCounters(c: LanCluster): Promise<Record<string, number>> {
  const r = await c.lab.exec('h1', 'cat', ['/proc/net/snmp'], { timeoutMs: 5000 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, nums] = lines.map((l) => l.split(/\s+/).slice(1));
  return Object.fromEntries((names ?? []).map((n, i) => [n, Number(nums?.[i] ?? 0)]));
}

async function peerStatus(c: LanCluster): Promise<PeerStatus> {
  return (await c.status('n1')).peer as unknown as PeerStatus;
}

async function once(): Promise<Record<string, unknown>> {
  const c = await LanCluster.start({ nodes: 3, labHosts: 4 });
  try {
    await c.waitHolders('web', ['h1'], 90_000);
    await new Promise((r) => setTimeout(r, 1500));
    const before = await udpCounters(c);
    const statusBefore = await peerStatus(c);
    let sent = 0;
    let elapsedMs = 0;
    const run = await c.probe({ vip: 'web', limitMs: seconds * 1000 + 20_000, tailMs: 500 }, async (mark) => {
      mark('flood');
      const gens = Array.from({ length: procs }, () =>
        c.lab.spawn('h4', process.execPath, [
          '--import',
          'tsx',
          FLOOD,
          '198.18.0.11',
          '7401',
          String(Math.round(rate / procs)),
          String(seconds),
          String(nice),
        ]),
      );
      const results = await Promise.all(
        gens.map(async (g) => {
          let line = '';
          g.onLine((l) => (line = l));
          const exit = await g.exited;
          if (exit.code !== 0) throw new Error(`flood generator failed: ${g.stderrTail()}`);
          return JSON.parse(line) as { sent: number; elapsedMs: number };
        }),
      );
      sent = results.reduce((a, r) => a + r.sent, 0);
      elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
      await new Promise((r) => setTimeout(r, 2000));
      mark('end');
    });
    const after = await udpCounters(c);
    const statusAfter = await peerStatus(c);
    const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    const received = (s: PeerStatus) => s.sources.reduce((a, x) => a + x.received, 0);
    const refused = (s: PeerStatus) => Object.values(s.refused).reduce((a, x) => a + x, 0);
    const flood = run.phase('flood');
    return {
      target_per_s: rate,
      seconds,
      sent,
      sent_per_s: Math.round(sent / (elapsedMs / 1000)),
      udp_in_at_owner: delta('InDatagrams') + delta('NoPorts') + delta('InErrors'),
      dropped_in_kernel: delta('NoPorts'),
      rcvbuf_errors: delta('RcvbufErrors'),
      agent_received: received(statusAfter) - received(statusBefore),
      agent_refused: refused(statusAfter) - refused(statusBefore),
      longest_gap_ms: flood.outageMs,
      responders: flood.maxDistinctResponders,
      holders_after: c.holders('web'),
    };
  } finally {
    await c.destroy();
  }
}

for (let i = 0; i < runs; i++) console.log(JSON.stringify(await once()));
