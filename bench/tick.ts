/**
 * npm run bench:tick [-- --nodes 256 --vips 10240 --subnets 4 --ticks 5]
 *
 * How long one scheduled tick of the control loop takes at DuraVIP scale: observe every VIP at
 * EC2, decide, commit to DynamoDB, repair drift; with the real DynamoDbStore on dynalite and the
 * real EC2 provider on the EC2 emulator (its latency, read lag and request limits). One JSON line
 * per case on stdout: the first tick (initial placement of every VIP), steady-state ticks and
 * failover ticks (one node's witnesses report it silent; its VIPs move).
 */
import { parseArgs } from 'node:util';
import { runTickBench } from './tick/run';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '256' },
    vips: { type: 'string', default: '10240' },
    subnets: { type: 'string', default: '4' },
    ticks: { type: 'string', default: '5' },
  },
});

const int = (name: string, text: string, min: number, max: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${text}`);
  return n;
};

await runTickBench({
  nodes: int('nodes', values.nodes, 2, 4096),
  vips: int('vips', values.vips, 1, 100_000),
  subnets: int('subnets', values.subnets, 1, 32),
  ticks: int('ticks', values.ticks, 1, 50),
  onLine: (line) => console.log(JSON.stringify(line)),
});
