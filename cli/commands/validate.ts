import { awsWarnings, configDigest, ConfigError, formatIssue, type Config } from '../../core/config';
import { parse, type Command } from '../command';
import { inspectFiles, type FileProblem } from '../../agent/secret-files';
import { printConfigError, readConfigFile } from '../config-file';
import { termSafe } from '../terminal-text';

export const validate: Command = {
  async run(argv) {
    const args = parse(argv, {
      usage:
        "usage: ipferry validate FILE [--key KEYFILE]... [--json]\n\nChecks the config and reads every file it names (security.pskFile, control.answerKeyFile, control.tls files, checks' ca) and each --key (a node's private key): missing, a directory, unreadable, empty or too short is an error; a key or PSK readable by group or others is a warning.",
      options: { json: { type: 'boolean' }, key: { type: 'string', multiple: true } },
      positionals: { min: 1, max: 1 },
    });
    if (typeof args === 'number') return args;
    const file = args.positionals[0]!;
    try {
      const config = await readConfigFile(file);
      const files = await inspectFiles(config, args.values.key ?? []);
      if (files.errors.length > 0) {
        if (args.values.json)
          console.log(
            JSON.stringify({
              file,
              ok: false,
              issues: files.errors.map(asIssue),
              warnings: files.warnings.map(asIssue),
            }),
          );
        else {
          console.error(
            `${termSafe(file)}: ${files.errors.length} problem${files.errors.length === 1 ? '' : 's'} with the files it names`,
          );
          for (const p of files.errors) console.error(`  ${problemText(p)}`);
          for (const p of files.warnings) console.error(`  warning: ${problemText(p)}`);
        }
        return 1;
      }
      const network = networkNeeds(config);
      const configWarnings = awsWarnings(config);
      const summary = {
        file,
        ok: true,
        cluster: config.cluster,
        nodes: config.nodes.length,
        vips: config.vips.length,
        mode: config.control.mode,
        digest: configDigest(config),
        network,
        warnings: [...files.warnings.map(asIssue), ...configWarnings],
      };
      if (args.values.json) console.log(JSON.stringify(summary));
      else {
        console.log(
          `${file}: ok — cluster ${config.cluster}, ${config.nodes.length} nodes, ${config.vips.length} VIPs, ${config.control.mode} control plane, digest ${summary.digest}`,
        );
        for (const line of network) console.log(`  network: ${line}`);
        for (const p of files.warnings) console.error(`  warning: ${problemText(p)}`);
        for (const w of configWarnings) console.error(`  warning: ${termSafe(formatIssue(w))}`);
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

/** Paths come from the file under test: escaped before they reach a terminal. */
function problemText(p: FileProblem): string {
  return `${p.field} ${termSafe(p.path, 300)}: ${termSafe(p.message, 300)}`;
}

function asIssue(p: FileProblem): { path: string; file: string; message: string } {
  return { path: p.field, file: p.path, message: p.message };
}

/** What a security group or host firewall must let through between the nodes, for this config. */
function networkNeeds(config: Config): string[] {
  const c = config.control;
  if (c.mode === 'peer') return [`allow UDP ${c.port} between the nodes (peer heartbeats)`];
  if (c.mode === 'etcd') return [`each node reaches etcd at ${c.endpoints.join(', ')} (its gRPC client port)`];
  const to =
    c.mode === 'aws' ? 'the heartbeat function URL (HTTPS)' : `the control plane at ${c.url ?? `http://${c.listen}`}`;
  if (c.liveness === 'direct') return [`each node reaches ${to}`];
  return [
    `allow UDP ${c.witness.port} between the nodes (witness heartbeats; in AWS a security group rule from the cluster's own group)`,
    `each node reaches ${to}`,
  ];
}
