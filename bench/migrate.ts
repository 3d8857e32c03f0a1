/**
 * npm run bench:migrate — moving a keepalived cluster to ipferry, in the LAN lab (sim/lab; root, or
 * an ordinary user with user namespaces). Per round, one lab with three hosts running Debian's
 * keepalived with test/lan/fixtures/beside/ (h1 master, advert_int 1):
 *   1. h1's link goes down: keepalived's outage as the client sees it; link up, h1 master again.
 *   2. host by host, h1, h2, h3 stop keepalived and start an ipferry agent (the imported config
 *      plus the legacy-vrrp check, agent/legacy-watch: a raw-socket watcher and check.sh), the
 *      next host once that agent runs: the longest gap over the whole switch.
 *   3. h1's link goes down again, now under ipferry: ipferry's outage.
 * One JSON line:
 *   {"source":"keepalived","rounds","outage_ms_p50","outage_ms_max","ipferry_outage_ms_p50",
 *    "ipferry_outage_ms_max","switch_gap_ms_p50","switch_gap_ms_max","dual_responders","unrecovered"}
 * dual_responders: the most hosts answering one probe or ARP request, or carrying the VIP in their
 * kernels at once, minus one, over every phase of every round (0 = never two). unrecovered: link
 * downs after which the VIP never answered within the 11 s probe (their outage counts as 11 s).
 * Detail on stderr.
 *
 *   tsx bench/migrate.ts [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { Beside, HOSTS, hostByHost, linkDownOutage } from '../test/lan/beside';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('usage: bench/migrate.ts [--rounds 1..20]');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const old: number[] = [];
const now: number[] = [];
const gaps: number[] = [];
let most = 0;
let unrecovered = 0;

for (let i = 1; i <= rounds; i++) {
  const b = await Beside.start();
  try {
    for (const h of HOSTS) await b.startWatcher(h);
    for (const h of HOSTS) b.startKeepalived(h);
    await b.until('h1', 15_000);
    const k = await linkDownOutage(b);
    await b.lab.linkUp('h1');
    await b.until('h1', 15_000);
    const s = await hostByHost(b);
    await b.agentsReady(30_000); // on a loaded machine an agent can take many seconds to start
    await sleep(1000);
    const p = await linkDownOutage(b);
    // Counted and said, not thrown: the line still reports the rounds that did recover.
    for (const [who, o] of [
      ['keepalived', k],
      ['ipferry', p],
    ] as const) {
      if (o.recovered) continue;
      unrecovered++;
      console.error(`round ${i}: under ${who} the VIP never answered again within 11 s of h1's link going down`);
    }
    old.push(k.outageMs);
    now.push(p.outageMs);
    gaps.push(s.gapMs);
    most = Math.max(most, k.responders, k.holders, s.responders, s.holders, p.responders, p.holders);
    console.error(
      `round ${i}: keepalived ${k.outageMs} ms (to ${k.by}); switch gap ${s.gapMs} ms (${s.segments}); ipferry ${p.outageMs} ms (to ${p.by})`,
    );
  } finally {
    await b.destroy();
  }
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
console.log(
  JSON.stringify({
    source: 'keepalived',
    rounds,
    outage_ms_p50: p50(old),
    outage_ms_max: Math.max(...old),
    ipferry_outage_ms_p50: p50(now),
    ipferry_outage_ms_max: Math.max(...now),
    switch_gap_ms_p50: p50(gaps),
    switch_gap_ms_max: Math.max(...gaps),
    dual_responders: Math.max(0, most - 1),
    unrecovered,
  }),
);
