/**
 * npm run bench:cost [-- --nodes 2,10,50,100 --liveness witnessed,direct --messages 200 --ticks 20 --api 20]
 *
 * What the AWS control plane costs a month, counted from the real handlers: for each cluster size
 * and liveness mode at its defaults, the heartbeat, tick and api handlers run against dynalite and
 * the EC2 emulator on 127.0.0.1; every billable unit is counted and priced at bench/prices.ts.
 * One JSON line per case on stdout; notes (sample sizes, synth fallbacks) on stderr.
 */
import { parseArgs } from 'node:util';
import { startDynalite } from '../test/control/helpers/dynalite';
import { costCluster, type Liveness } from './cost/cluster';
import { printer } from './cost/logs';
import { costLine } from './cost/model';
import { sample } from './cost/run';
import { stackFacts } from './cost/template';
import { costWorld } from './cost/world';
import { KEEPALIVED_PAIR } from './prices';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2,10,50,100' },
    liveness: { type: 'string', default: 'witnessed,direct' },
    messages: { type: 'string', default: '200' },
    ticks: { type: 'string', default: '20' },
    api: { type: 'string', default: '20' },
  },
});

const int = (name: string, text: string, max: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} must be an integer from 1 to ${max}, got ${text}`);
  return n;
};
const sizes = {
  messages: int('messages', values.messages, 10_000),
  ticks: int('ticks', values.ticks, 500),
  api: int('api', values.api, 500),
};
const nodeCounts = values.nodes.split(',').map((n) => int('nodes', n, 240));
const modes = values.liveness.split(',').map((m) => {
  if (m !== 'witnessed' && m !== 'direct') throw new Error(`--liveness takes witnessed and/or direct, got ${m}`);
  return m as Liveness;
});

const print = printer();
const note = (text: string) => void process.stderr.write(`${text}\n`);
const dynamo = await startDynalite();
try {
  note(
    `bench:cost: ${sizes.messages} heartbeats or reports, ${sizes.ticks} ticks, ${sizes.api} status calls per case; keepalived pair (2 × t4g.nano) $${KEEPALIVED_PAIR.usdMonth.toFixed(2)}/month`,
  );
  for (const nodes of nodeCounts) {
    for (const liveness of modes) {
      const cluster = costCluster(nodes, liveness);
      const facts = stackFacts(cluster.text, nodes, () => ({ text: costCluster(2, liveness).text, nodes: 2 }));
      if (facts.synthError)
        note(
          `${liveness} ${nodes} nodes: the stack does not synth (${facts.synthError}); alarms, dashboards, memory and tracing read from the 2-node stack`,
        );
      const world = await costWorld(cluster, facts, dynamo.endpoint);
      try {
        const result = await sample(cluster, facts, world, sizes);
        print(JSON.stringify(costLine(cluster.config, facts, result)));
      } finally {
        await world.close();
      }
    }
  }
} finally {
  await dynamo.close();
}
