import { parse, type Command } from '../command';
import { cloudDemo } from '../demo/cloud';
import { seedWalkthrough } from '../demo/seeds';

const USAGE = `usage: ipferry demo [--json] [--seeds] [--keep]

The embedded default: a local control plane, the EC2 emulator and three agents on this machine
(no cloud account, no root). It kills the owner of two VIPs and shows the failover, live, with
its timeline; then brings the node back and shows the VIPs going home.

  --json    no commentary: one JSON line per failover
            {"vip","from","to","reason","detect_ms","decide_ms","api_ms","total_ms","bound_ms"}
  --seeds   instead, the decision core on the seed scenarios, in simulated time
  --keep    keep the demo's config, keys and logs (their folder is printed)`;

export const demo: Command = {
  async run(argv) {
    const args = parse(argv, { usage: USAGE, options: { seeds: { type: 'boolean' }, json: { type: 'boolean' }, keep: { type: 'boolean' } } });
    if (typeof args === 'number') return args;
    const json = args.values.json === true;
    if (args.values.seeds) {
      seedWalkthrough((line) => console.log(line), json);
      return 0;
    }
    await cloudDemo({ json, print: (line) => console.log(line), keepFiles: args.values.keep === true });
    return 0;
  },
};
