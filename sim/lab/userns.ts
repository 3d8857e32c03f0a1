import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runCommand, type LabRunner } from './run';

/**
 * How the lab gets the privileges it needs (namespaces, veth, bridges, raw sockets for arping).
 *
 * As root: commands run as they are. As an ordinary user: one "holder" process per lab lives in a
 * new user namespace (our uid mapped to its root) with its own network and mount namespaces, and
 * a tmpfs on /run so `ip netns add` can create and mount /run/netns there. Every lab command then
 * runs through `nsenter` into those three namespaces; inside, it is root with CAP_NET_ADMIN and
 * CAP_NET_RAW over every namespace it creates, which is all the lab asks for. Nothing is created in
 * the host's namespaces, and when the holder dies the mounts and namespaces die with it.
 */
export interface LabPrivilege {
  kind: 'root' | 'userns';
  run: LabRunner;
  /** argv prefix that puts a long-lived program where `run` runs commands (empty as root). */
  enter: readonly string[];
  close(): Promise<void>;
}

/** The sysctls that decide whether an ordinary user may create user namespaces, as read now. */
export function userNamespaceSysctls(read: (path: string) => string | undefined = readSysctl): string {
  const paths = [
    '/proc/sys/kernel/unprivileged_userns_clone',
    '/proc/sys/user/max_user_namespaces',
    '/proc/sys/kernel/apparmor_restrict_unprivileged_userns',
  ];
  return paths
    .map((p) => [p, read(p)] as const)
    .filter(([, v]) => v !== undefined)
    .map(([p, v]) => `${p.slice('/proc/sys/'.length).replaceAll('/', '.')}=${v}`)
    .join(', ');
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined; // this kernel does not have that knob
  }
}

/** The one line a user without root or user namespaces reads: what to enable. */
export function noPrivilegeMessage(why: string, sysctls: string): string {
  return (
    'the lab needs root or unprivileged user namespaces (network namespaces, veth, bridges), and ' +
    `unshare --user --map-root-user --net --mount failed: ${why}; enable them with ` +
    '`sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000` ' +
    '(and kernel.apparmor_restrict_unprivileged_userns=0 where AppArmor restricts them), or run as root' +
    (sysctls ? ` (now: ${sysctls})` : '')
  );
}

// The holder's script: /run becomes a private tmpfs (only in its mount namespace) so /run/netns can
// be created by its root; then it waits on stdin, so it dies with the process that started it.
const HOLDER_SCRIPT =
  'mount -t tmpfs -o mode=0755 ipferry-lab /run && mkdir /run/netns && echo ready && exec cat >/dev/null';

export async function labPrivilege(isRoot = process.getuid?.() === 0, startTimeoutMs = 10_000): Promise<LabPrivilege> {
  if (isRoot) return { kind: 'root', run: runCommand, enter: [], close: async () => {} };
  const holder = await startHolder(startTimeoutMs).catch((err: unknown) => {
    throw new Error(noPrivilegeMessage((err as Error).message, userNamespaceSysctls()), { cause: err });
  });
  // --wd: entering a mount namespace moves the cwd to its root, and programs (node --import tsx)
  // resolve relative to it.
  const enter = [
    'nsenter',
    '-t',
    String(holder.pid),
    '-U',
    '-m',
    '-n',
    '--preserve-credentials',
    `--wd=${process.cwd()}`,
    '--',
  ];
  const run: LabRunner = (file, args, opts) => runCommand(enter[0]!, [...enter.slice(1), file, ...args], opts);
  return {
    kind: 'userns',
    run,
    enter,
    close: async () => {
      if (holder.exitCode !== null || holder.signalCode !== null) return;
      const gone = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await gone;
    },
  };
}

function startHolder(timeoutMs: number): Promise<ChildProcessWithoutNullStreams> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['--user', '--map-root-user', '--net', '--mount', 'sh', '-c', HOLDER_SCRIPT], {
      stdio: 'pipe',
    });
    let stderr = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    child.stdin.on('error', () => {}); // EPIPE after it died: the exit handler reports why
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (settled || !d.toString().includes('ready')) return;
      settled = true;
      clearTimeout(timer);
      // It must not keep a finished test or bench process alive; its stdin closing ends it then.
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
      resolve(child);
    });
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(stderr.trim() || `exit ${signal ?? code}`));
  });
}
