import { configDigest, ConfigError, type Config } from '../../core/config';
import { parse, type Command } from '../command';
import { printConfigError, readConfigFile } from '../config-file';

export const validate: Command = {
  async run(argv) {
    const args = parse(argv, { usage: 'usage: ipferry validate FILE [--json]', options: { json: { type: 'boolean' } }, positionals: { min: 1, max: 1 } });
    if (typeof args === 'number') return args;
    const file = args.positionals[0]!;
    try {
      const config = await readConfigFile(file);
      const network = networkNeeds(config);
      const summary = { file, ok: true, cluster: config.cluster, nodes: config.nodes.length, vips: config.vips.length, mode: config.control.mode, digest: configDigest(config), network };
      if (args.values.json) console.log(JSON.stringify(summary));
      else {
        console.log(`${file}: ok — cluster ${config.cluster}, ${config.nodes.length} nodes, ${config.vips.length} VIPs, ${config.control.mode} control plane, digest ${summary.digest}`);
        for (const line of network) console.log(`  network: ${line}`);
      }
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (args.values.json) console.log(JSON.stringify({ file, ok: false, issues: err.issues }));
      else printConfigError(file, err);
      return 1;
    }
  },
};

/** What a security group or host firewall must let through between the nodes, for this config. */
function networkNeeds(config: Config): string[] {
  const c = config.control;
  if (c.mode === 'peer') return [`allow UDP ${c.port} between the nodes (peer heartbeats)`];
  const to = c.mode === 'aws' ? 'the heartbeat function URL (HTTPS)' : `the control plane at ${c.url ?? `http://${c.listen}`}`;
  if (c.liveness === 'direct') return [`each node reaches ${to}`];
  return [`allow UDP ${c.witness.port} between the nodes (witness heartbeats; in AWS a security group rule from the cluster's own group)`, `each node reaches ${to}`];
}
