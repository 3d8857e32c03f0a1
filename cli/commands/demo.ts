import { parse, type Command } from '../command';
import { seedWalkthrough } from '../demo/seeds';

const USAGE = `usage: ipferry demo [--seeds] [--json]

  --seeds   the decision core on the seed scenarios, in simulated time
  --json    one JSON line per move, no commentary`;

export const demo: Command = {
  summary: 'run ipferry on an embedded example and watch VIPs move',
  async run(argv) {
    const args = parse(argv, { usage: USAGE, options: { seeds: { type: 'boolean' }, json: { type: 'boolean' } } });
    if (typeof args === 'number') return args;
    seedWalkthrough((line) => console.log(line), args.values.json === true);
    return 0;
  },
};
