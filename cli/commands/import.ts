import { parse, usageError, type Command } from '../command';
import { termSafe } from '../terminal-text';
import { besideKeepalived } from '../import/beside';
import { finishImport } from '../import/finish';
import { readHost } from '../import/keepalived-host';
import { mapKeepalived } from '../import/keepalived-map';
import { ImportError, readKeepalived } from '../import/keepalived-parse';
import { readInterfaces } from '../import/ifupdown';
import { Notes } from '../import/report';
import { mapUcarp, parseUcarp } from '../import/ucarp';

const USAGE = `usage: ipferry import keepalived --node NAME=FILE [--node NAME=FILE …] [-o FILE] [--cluster NAME] [--beside]
       ipferry import ucarp --node NAME='ucarp -i eth0 -s ADDR -v 1 -p PASS -a VIP …' […] [--prefix N] [-o FILE] [--cluster NAME]
       ipferry import ucarp --interfaces NAME=/etc/network/interfaces […] [--prefix N] [-o FILE] [--cluster NAME]

Writes one ipferry config (peer mode) for the cluster from each host's keepalived.conf (includes
followed) or ucarp command line(s); a host may be given several times for several ucarp processes.
Prints what was not carried over, with file:line and why.

  --node NAME=…     a host: its node id and its keepalived.conf, or one ucarp command line
  -o, --out FILE    write the config there (default: stdout)
  --cluster NAME    the cluster's name (default: "imported")
  --interfaces NAME=FILE  ucarp only: a host's Debian /etc/network/interfaces with ucarp-* options
  --beside          keepalived only: for a switch host by host beside the running keepalived, add
                    the legacy-vrrp check to every VIP (passive while an old master is heard) and
                    print each host's \`ipferry legacy-watch watch\` line (docs/migrating.md)
  --prefix N        ucarp only: the prefix length the up script plumbs the VIP with (ucarp has none;
                    with --interfaces, the IFACE:ucarp stanza's netmask is used if there is one)

Exit code: 0 all carried, 1 something dropped (the config is still written), 2 error.`;

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/;
// Bounds for hostile input: no real cluster comes near them.
const MAX_NODES = 256;
const MAX_COMMAND_LINE = 8192;

export const importCommand: Command = {
  async run(argv) {
    const args = parse(argv, {
      usage: USAGE,
      options: {
        node: { type: 'string', multiple: true },
        interfaces: { type: 'string', multiple: true },
        out: { type: 'string', short: 'o' },
        cluster: { type: 'string' },
        prefix: { type: 'string' },
        beside: { type: 'boolean' },
      },
      positionals: { min: 1, max: 1 },
    });
    if (typeof args === 'number') return args;
    const source = args.positionals[0]!;
    if (source !== 'keepalived' && source !== 'ucarp')
      return usageError(USAGE, `cannot import from "${source}": keepalived or ucarp`);
    const pairs: [string, string][] = [];
    const files: [string, string][] = [];
    if (source === 'ucarp' && args.values.beside)
      return usageError(
        USAGE,
        '--beside is for keepalived: CARP adverts are not read yet, so a ucarp cluster switches all at once (docs/migrating.md)',
      );
    if (source !== 'ucarp' && args.values.interfaces)
      return usageError(USAGE, "--interfaces is for ucarp: Debian's ucarp-* options in /etc/network/interfaces");
    for (const [spec, flag] of [
      ...(args.values.node ?? []).map((s) => [s, 'node'] as const),
      ...(args.values.interfaces ?? []).map((s) => [s, 'interfaces'] as const),
    ]) {
      const eq = spec.indexOf('=');
      if (eq <= 0 || eq === spec.length - 1)
        return usageError(
          USAGE,
          `--${flag} ${spec}: expected NAME=${source === 'ucarp' && flag === 'node' ? 'COMMAND' : 'FILE'}`,
        );
      const name = spec.slice(0, eq);
      // The name becomes the node id in the config and in every note: refuse what the config would.
      if (!NODE_ID.test(name))
        return usageError(
          USAGE,
          `--node ${name}: a node id is letters, digits, ".", "_", ":" or "-" (at most 63, starting with a letter or digit)`,
        );
      if (spec.length - eq > MAX_COMMAND_LINE)
        return usageError(USAGE, `--node ${name}: longer than ${MAX_COMMAND_LINE} characters`);
      (flag === 'node' ? pairs : files).push([name, spec.slice(eq + 1)]);
    }
    if (pairs.length + files.length > MAX_NODES)
      return usageError(USAGE, `at most ${MAX_NODES} --node options: one per host (or ucarp process)`);
    if (pairs.length + files.length === 0) return usageError(USAGE, 'give each host with --node NAME=…');
    const prefix = args.values.prefix === undefined ? undefined : Number(args.values.prefix);
    if (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > 128))
      return usageError(USAGE, `--prefix ${args.values.prefix}: expected a prefix length from 0 to 128`);
    const notes = new Notes();
    try {
      if (source === 'keepalived') {
        const names = pairs.map(([name]) => name);
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice) return usageError(USAGE, `--node ${twice} is given twice: one keepalived.conf per host`);
        const hosts = pairs.map(([name, file]) => readHost(name, readKeepalived(file), notes));
        const mapped = mapKeepalived(args.values.cluster ?? 'imported', hosts, notes);
        return finishImport(args.values.beside ? besideKeepalived(mapped, hosts) : mapped, args.values.out);
      }
      const lines = pairs.map(([name, line]) => parseUcarp(name, line, notes));
      let stanzaPrefix: number | undefined;
      for (const [name, file] of files) {
        const read = readInterfaces(name, file, notes);
        lines.push(...read.lines);
        stanzaPrefix ??= read.prefixLength;
      }
      return finishImport(
        mapUcarp(args.values.cluster ?? 'imported', lines, notes, prefix ?? stanzaPrefix),
        args.values.out,
      );
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      console.error(`ipferry: ${termSafe(err.message, 400)}`); // it quotes the files: escapes included
      return 2;
    }
  },
};
