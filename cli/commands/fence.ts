import { LinuxHostNet } from '../../agent/hostnet';
import { runFence } from '../../agent/peer/fence-child';
import { parse, usageError, type Command } from '../command';

const USAGE = `usage: ipferry fence --lease MS

Started by the agent in peer mode, never by hand: reads the agent's bound addresses on stdin and
removes them if the agent dies or stops pinging for longer than the lease.`;

export const fence: Command = {
  async run(argv) {
    const args = parse(argv, { usage: USAGE, options: { lease: { type: 'string' } }, positionals: { max: 0 } });
    if (typeof args === 'number') return args;
    const lease = Number(args.values.lease);
    if (!Number.isInteger(lease) || lease < 10) {
      return usageError(
        USAGE,
        `--lease must be a whole number of milliseconds (at least 10), not "${args.values.lease ?? ''}"`,
      );
    }
    // The agent's death closes stdin; it must not also stop the fence with SIGINT from a terminal.
    process.on('SIGINT', () => undefined);
    await runFence({
      leaseMs: lease,
      hostNet: new LinuxHostNet(),
      input: process.stdin,
      say: (l) => process.stderr.write(`${l}\n`),
    });
    return 0;
  },
};
