import { parse, usageError, type Command } from '../command';
import { cloudDemo } from '../demo/cloud';
import { isReaderGone, streamPrinter } from '../demo/output';
import { seedWalkthrough } from '../demo/seeds';

const USAGE = `usage: ipferry demo [--json] [--liveness witnessed|direct] [--seeds] [--keep] [--lan]

The embedded default: a local control plane, the EC2 emulator and three agents on this machine
(no cloud account, no root). It kills the owner of two VIPs and shows the failover, live, with
its timeline; then brings the node back and shows the VIPs going home.

  --json    JSON lines alone on stdout (the narration goes to stderr), one per move, the
            failover's and the return's, all with the same keys:
            {"event","vip","from","to","reason","detect_ms","decide_ms","api_ms","total_ms","bound_ms"}
            (event: failover or return; bound_ms: null where no host binds the VIP)
  --liveness witnessed (default): the agents watch each other over UDP on 127.0.0.x and
            report news; direct: every agent beats to the control plane once a second
  --seeds   instead, the decision core on the seed scenarios, in simulated time
  --keep    keep the demo's config, keys and logs (their folder is printed)
  --lan     instead, peer mode on a LAN (root): three hosts in network namespaces running
            examples/lan/ipferry.yaml with real ip and arping; kills the owner (-9), shows the
            failover and the client's outage, then the owner's return (preemption); with --json
            one line per move {"event","from","to","outage_ms","responders","lab"}`;

export const demo: Command = {
  async run(argv) {
    const args = parse(argv, { usage: USAGE, options: { seeds: { type: 'boolean' }, json: { type: 'boolean' }, keep: { type: 'boolean' }, lan: { type: 'boolean' }, liveness: { type: 'string' } } });
    if (typeof args === 'number') return args;
    const json = args.values.json === true;
    // --json is for pipes: JSON lines alone on stdout, narration on stderr, a reader that exits early ends the demo.
    const print = streamPrinter(process.stdout);
    try {
      if (args.values.lan) {
        // Loaded only here: the lab (namespaces, esbuild for its in-namespace programs) is for this demo alone.
        const { lanDemo } = await import('../demo/lan');
        return await lanDemo({ json, print });
      }
      if (args.values.seeds) {
        seedWalkthrough(print, json);
        return 0;
      }
      const liveness = args.values.liveness ?? 'witnessed';
      if (liveness !== 'witnessed' && liveness !== 'direct') return usageError(USAGE, `--liveness is witnessed or direct, not ${JSON.stringify(liveness)}`);
      await cloudDemo({ json, liveness, print, readerGone: print.gone, progress: (line) => console.error(line), keepFiles: args.values.keep === true });
      return 0;
    } catch (err) {
      if (isReaderGone(err)) return 0;
      throw err;
    }
  },
};
