import { parse, usageError, type Command } from '../command';
import { parseProfile } from '../../sim/common/profile';
import { cloudDemo } from '../demo/cloud';
import { DEMO_PROVIDERS, type DemoProvider } from '../demo/cloud-config';
import { isReaderGone, streamPrinter } from '../demo/output';
import { seedWalkthrough } from '../demo/seeds';

const USAGE = `usage: ipferry demo [--provider ec2|route53|hetzner|robot] [--profile fast|real] [--json]
                    [--liveness witnessed|direct] [--seeds] [--keep] [--lan]

The embedded default: a local control plane, the EC2 emulator and three agents on this machine
(no cloud account, no root). It kills the owner of the VIPs and shows the failover, live, with
its timeline; then brings the node back and shows the VIPs going home.

  --provider whose VIP kinds fail over, through its emulator: ec2 (default: a secondary IP and
            an Elastic IP), route53 (an owner record), hetzner (a floating IP and an alias IP),
            robot (a failover IP)
  --profile the emulator's timings: fast (default; EC2 answers in 120 ms, reads lag 250 ms) or
            real (the provider's documented ones: a Robot switch blocks 50 s, Route 53 changes
            stay PENDING 30 s, EC2 answers in 400 ms and reads lag 3 s)
  --json    JSON lines alone on stdout (the narration goes to stderr), one per move, the
            failover's and the return's, all with the same keys:
            {"event","provider","vip","from","to","reason","state","detect_ms","decide_ms",
             "api_ms","accepted_ms","total_ms","bound_ms","calls","errors"}
            (event: failover or return; state: verified, or accepted where the provider accepts
            a change and propagates it (Route 53: accepted at accepted_ms, in sync at total_ms),
            or failed; accepted_ms null elsewhere; bound_ms null where no host binds the VIP;
            calls and errors: what the emulator served from the crash until the moves were done,
            every VIP of the failover, by action and by error code)
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
    const args = parse(argv, {
      usage: USAGE,
      options: {
        seeds: { type: 'boolean' },
        json: { type: 'boolean' },
        keep: { type: 'boolean' },
        lan: { type: 'boolean' },
        liveness: { type: 'string' },
        provider: { type: 'string' },
        profile: { type: 'string' },
      },
    });
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
      if (liveness !== 'witnessed' && liveness !== 'direct')
        return usageError(USAGE, `--liveness is witnessed or direct, not ${JSON.stringify(liveness)}`);
      const provider = args.values.provider ?? 'ec2';
      if (!(DEMO_PROVIDERS as readonly string[]).includes(provider))
        return usageError(USAGE, `--provider is one of ${DEMO_PROVIDERS.join(', ')}, not ${JSON.stringify(provider)}`);
      let profile;
      try {
        profile = parseProfile(args.values.profile ?? 'fast');
      } catch (err) {
        return usageError(USAGE, `--${(err as Error).message}`);
      }
      await cloudDemo({
        json,
        liveness,
        provider: provider as DemoProvider,
        profile,
        print,
        readerGone: print.gone,
        progress: (line) => console.error(line),
        keepFiles: args.values.keep === true,
      });
      return 0;
    } catch (err) {
      if (isReaderGone(err)) return 0;
      throw err;
    }
  },
};
