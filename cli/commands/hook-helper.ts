import { chownSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import pino from 'pino';
import { loadAllowList } from '../../agent/hooks/helper/allow-list';
import { serveHelper } from '../../agent/hooks/helper/helper-server';
import { parse, usageError, type Command } from '../command';
import { termSafe } from '../terminal-text';

const USAGE = `usage: ipferry hook-helper [--allow FILE] [--listen PATH [--group GID]]
       ipferry hook-helper check [--allow FILE]

The root side of hooks that act (docs/security.md): runs, for the unprivileged agent, only the
commands named in a root-owned allow-list, each an exact argv with the VIP's values as whole
arguments, never through a shell, with a timeout. Started by ipferry-hook-helper.socket (systemd
socket activation); --listen makes its own socket instead (0660, group GID), for hosts without
systemd and for tests. "check" reads the allow-list and says what is wrong with it.

  --allow FILE    the allow-list (default /etc/ipferry/hook-helper.yaml): root-owned, not
                  writable by group or others, read again for every request
  --listen PATH   listen on this Unix socket instead of the one systemd passes
  --group GID     with --listen: the socket's group (the agent's), numeric`;

const DEFAULT_ALLOW = '/etc/ipferry/hook-helper.yaml';
/** sd_listen_fds(3): the first passed socket is fd 3. */
const SD_LISTEN_FDS_START = 3;

export const hookHelper: Command = {
  async run(argv) {
    const args = parse(argv, {
      usage: USAGE,
      options: { allow: { type: 'string' }, listen: { type: 'string' }, group: { type: 'string' } },
      positionals: { max: 1 },
    });
    if (typeof args === 'number') return args;
    const allow = args.values.allow ?? DEFAULT_ALLOW;
    const sub = args.positionals[0];
    if (sub !== undefined && sub !== 'check') return usageError(USAGE, `unknown subcommand "${sub}": check`);
    const loaded = loadAllowList(allow);
    if (sub === 'check') {
      if (!loaded.ok) return (void console.error(`ipferry: ${termSafe(loaded.error, 2000)}`), 1);
      console.log(`${allow}: ${loaded.list.size} command(s): ${termSafe([...loaded.list.keys()].join(', '), 2000)}`);
      return 0;
    }
    const logger = pino({ base: { part: 'hook-helper' } }, pino.destination(2));
    // A broken list at start is said at once; requests are refused with the reason until it is fixed.
    if (!loaded.ok) logger.error({ error: loaded.error }, 'allow-list unusable: every request is refused');
    const group = args.values.group === undefined ? undefined : Number(args.values.group);
    if (group !== undefined && (!Number.isInteger(group) || group < 0))
      return usageError(USAGE, `--group ${args.values.group}: a numeric group id`);
    if (group !== undefined && args.values.listen === undefined) return usageError(USAGE, '--group needs --listen');
    const server = createServer({ allowHalfOpen: true });
    serveHelper(server, { allowList: allow, logger });
    const where = await listen(server, args.values.listen, group);
    if (typeof where !== 'string') return usageError(USAGE, where.error);
    logger.info({ socket: where, allow }, 'hook helper listening');
    process.stdout.write(`listening ${where}\n`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close(() => resolve()));
    });
    return 0;
  },
};

async function listen(
  server: ReturnType<typeof createServer>,
  path: string | undefined,
  group: number | undefined,
): Promise<string | { error: string }> {
  if (path === undefined) {
    if (process.env.LISTEN_PID !== String(process.pid) || process.env.LISTEN_FDS !== '1')
      return {
        error: 'no socket from systemd (LISTEN_FDS): start it through ipferry-hook-helper.socket, or give --listen',
      };
    await new Promise<void>((resolve) => server.listen({ fd: SD_LISTEN_FDS_START }, resolve));
    return `fd ${SD_LISTEN_FDS_START} (systemd)`;
  }
  try {
    // A socket left by an earlier run is replaced; anything else at the path is not ours to remove.
    if (lstatSync(path).isSocket()) unlinkSync(path);
    else return { error: `--listen ${path}: exists and is not a socket` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { error: `--listen ${path}: ${String(err)}` };
  }
  // Created 0660 at once (no moment when anyone may connect), then given to the agent's group.
  const umask = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } catch (err) {
    return { error: `--listen ${path}: ${String(err)}` };
  } finally {
    process.umask(umask);
  }
  if (group !== undefined) chownSync(path, 0, group);
  return path;
}
