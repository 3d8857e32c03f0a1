import { configDigest, ConfigError } from '../../core/config';
import { parse, type Command } from '../command';
import { printConfigError, readConfigFile } from '../config-file';

export const validate: Command = {
  async run(argv) {
    const args = parse(argv, { usage: 'usage: ipferry validate FILE [--json]', options: { json: { type: 'boolean' } }, positionals: { min: 1, max: 1 } });
    if (typeof args === 'number') return args;
    const file = args.positionals[0]!;
    try {
      const config = await readConfigFile(file);
      const summary = { file, ok: true, cluster: config.cluster, nodes: config.nodes.length, vips: config.vips.length, mode: config.control.mode, digest: configDigest(config) };
      if (args.values.json) console.log(JSON.stringify(summary));
      else console.log(`${file}: ok — cluster ${config.cluster}, ${config.nodes.length} nodes, ${config.vips.length} VIPs, ${config.control.mode} control plane, digest ${summary.digest}`);
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (args.values.json) console.log(JSON.stringify({ file, ok: false, issues: err.issues }));
      else printConfigError(file, err);
      return 1;
    }
  },
};
