/**
 * npm run bench:scale — peer mode against etcd mode as the cluster grows (issue 20). For each mode
 * and size: a cluster of real `ipferry agent` processes (the host's program with the systemd
 * unit's node flags, recording host network, one VIP per host preferred by it, no checks, the
 * mode's default timers; peer mode one agent per namespace of the LAN lab (sim/lab, root, at most
 * 50 hosts), etcd mode on this host against one real etcd member on loopback at etcd's default
 * raft timers). One JSON line per mode and size:
 *   {"mode","nodes","cpu_pct_per_agent","rss_mb","converge_s","takeover_ms","max_holders",…}
 * cpu_pct_per_agent and rss_mb: the agents' mean over a quiet window after convergence, from
 * /proc. In etcd mode etcd_cpu_pct / etcd_rss_mb are the server's own, and the *_with_etcd fields
 * charge each agent 1/nodes of them. converge_s: from the first spawn until every VIP is bound
 * exactly once. takeover_ms: kill -9 of an owner until another agent binds its VIP. Both from the
 * agents' own "bound" log lines; max_holders counts holders throughout (must be 1).
 * load_avg is the machine's: on a shared host CPU figures are inflated. Details go to stderr.
 *
 *   tsx bench/scale.ts [--sizes 4,16,64] [--modes peer,etcd] [--duration 20] [--settle 10]
 */
import { parseArgs } from 'node:util';
import { scaleProgram } from './scale-program';
import { measureScale } from './scale-run';
import type { Mode } from './scale-cluster';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '4,16,64' },
    modes: { type: 'string', default: 'peer,etcd' },
    duration: { type: 'string', default: '20' },
    settle: { type: 'string', default: '10' },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const modes = values.modes!.split(',') as Mode[];
const windowMs = Number(values.duration) * 1000;
const settleMs = Number(values.settle) * 1000;
if (
  sizes.some((n) => !Number.isInteger(n) || n < 2 || n > 150) ||
  modes.some((m) => m !== 'peer' && m !== 'etcd') ||
  !(windowMs > 0) ||
  !(settleMs >= 0)
)
  throw new Error(
    'usage: bench/scale.ts [--sizes 4,16,64] [--modes peer,etcd] [--duration SECONDS] [--settle SECONDS]',
  );

const program = await scaleProgram();
try {
  for (const nodes of sizes)
    for (const mode of modes) {
      if (mode === 'peer' && nodes > 50) {
        process.stderr.write(`peer mode at ${nodes} hosts: skipped, the lab has at most 50 namespaces (sim/lab)\n`);
        continue;
      }
      const line = await measureScale({
        mode,
        nodes,
        program,
        windowMs,
        settleMs,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      console.log(JSON.stringify(line));
    }
} finally {
  await program.close();
}
