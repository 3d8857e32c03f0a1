/**
 * npm run bench:lan (root) — peer mode's failover on a LAN, as a client sees it. Per run: the lab
 * (sim/lab) with three hosts, three `ipferry agent` processes from examples/lan/ipferry.yaml with
 * the real Linux plumbing, web on h1; the client probes web over UDP every 10 ms, the observer
 * sends ARP requests 4 times a second, the kernel reports every address change; then h1's agent is
 * killed with SIGKILL and the run ends once a survivor answers. One JSON line per timer setting:
 *   {"timers","outage_ms_p50","outage_ms_max","dual_responders"}
 * outage: the longest run of unanswered probes after the kill (first lost → first answered).
 * dual_responders: the most distinct hosts answering one ARP request or one probe at once, minus
 * one, maximum over the runs (0 = never two). Per-run detail goes to stderr: where the time went
 * (the kill → the survivor's bind decision, which is detection at deadAfter after h1's last
 * heartbeat plus claimHoldoff; → the address in the kernel; → the client's first answer).
 *
 *   tsx bench/lan.ts [--runs 5] [--settings default,fast]
 */
import { parseArgs } from 'node:util';
import { LanCluster } from '../test/lan/harness';

interface Setting {
  name: string;
  timers?: { heartbeatInterval: number; deadAfter: number };
}

const SETTINGS: Record<string, Setting> = {
  default: { name: 'default (heartbeat 200 ms, deadAfter 600 ms)' },
  fast: { name: 'heartbeat 100 ms, deadAfter 300 ms', timers: { heartbeatInterval: 100, deadAfter: 300 } },
};

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, settings: { type: 'string', default: 'default,fast' } },
});
const runs = Number(values.runs);
const chosen = values.settings!.split(',').map((s) => SETTINGS[s]);
if (!(runs >= 1) || chosen.some((s) => !s))
  throw new Error(`usage: bench/lan.ts [--runs N] [--settings ${Object.keys(SETTINGS).join(',')}]`);
if (process.getuid?.() !== 0) {
  console.error('bench/lan.ts needs root: it builds network namespaces (sim/lab)');
  process.exit(2);
}

interface RunResult {
  outageMs: number;
  responders: number;
  holders: number;
  decideMs: number | null;
  boundMs: number | null;
  answeredMs: number | null;
  by: string | null;
}

async function crashOnce(setting: Setting): Promise<RunResult> {
  const c = await LanCluster.start({ nodes: 3, ...(setting.timers ? { timers: setting.timers } : {}) });
  try {
    await c.waitHolders('web', ['h1'], 30_000);
    let killedAt = 0;
    const run = await c.probe({ vip: 'web', limitMs: 15_000, leadMs: 1500, tailMs: 500 }, async (mark) => {
      killedAt = mark('kill');
      c.agent('n1').signal('SIGKILL');
      await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
    });
    const r = run.phase('kill');
    const taker = r.firstAnswerAfterOutage?.by ?? null;
    const log = taker ? c.agent(taker.replace('h', 'n')).logs() : [];
    const decided = log.find(
      (l) =>
        l.msg === 'peer decision' && Number(l.time) >= killedAt && (l.bind as string[] | undefined)?.includes('web'),
    );
    const added = c.addresses
      .events()
      .find((e) => e.host === taker && e.added && e.address === c.address('web') && e.at >= killedAt);
    return {
      outageMs: r.outageMs,
      responders: r.maxDistinctResponders,
      holders: c.maxHolders('web'),
      decideMs: decided ? Number(decided.time) - killedAt : null,
      boundMs: added ? added.at - killedAt : null,
      answeredMs: r.firstAnswerAfterOutage ? r.firstAnswerAfterOutage.at - killedAt : null,
      by: taker,
    };
  } finally {
    await c.destroy();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return Math.round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo));
}

for (const setting of chosen as Setting[]) {
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await crashOnce(setting);
    results.push(r);
    console.error(
      `${setting.name} run ${i + 1}: outage ${r.outageMs} ms (kill → bind decided ${r.decideMs ?? '?'} ms → in the kernel ${r.boundMs ?? '?'} ms → client answered by ${r.by ?? '?'} ${r.answeredMs ?? '?'} ms); responders ≤ ${r.responders}, kernel holders ≤ ${r.holders}`,
    );
  }
  const outages = results.map((r) => r.outageMs).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      timers: setting.name,
      outage_ms_p50: percentile(outages, 0.5),
      outage_ms_max: outages.at(-1),
      dual_responders: Math.max(0, ...results.map((r) => r.responders - 1)),
    }),
  );
}
