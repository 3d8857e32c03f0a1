import { accessSync, constants, readFileSync } from 'node:fs';

/**
 * Hooks and exec checks are the operator's scripts, not ours: they must not inherit the agent's
 * CAP_NET_ADMIN and CAP_NET_RAW (ambient, from the systemd unit), or any script, or anything it
 * runs, could move addresses and forge ARP. They are started through util-linux `setpriv`, which
 * clears the inheritable and ambient sets (and the bounding set where the agent may, as root), so
 * the program it then executes holds no capabilities at all.
 */

/** The capability sets of a process, as /proc/PID/status prints them (hex masks). */
export interface CapSets {
  inheritable: bigint;
  permitted: bigint;
  effective: bigint;
  ambient: bigint;
}

/** How to start a program without capabilities: the argv to run instead, or why that is impossible. */
export type Unprivileged = { ok: true; file: string; args: string[] } | { ok: false; error: string };

export interface DropOptions {
  /** This process's capabilities. */
  caps: CapSets;
  /** Path of setpriv, or undefined when the host has none. */
  setpriv: string | undefined;
}

const CAP_SETPCAP = 8n;
const NAMES: Record<string, string> = {
  '12': 'CAP_NET_ADMIN',
  '13': 'CAP_NET_RAW',
  '21': 'CAP_SYS_ADMIN',
  '8': 'CAP_SETPCAP',
};
/** Where Debian, Ubuntu, Fedora and Alpine (util-linux-misc) put it; no PATH search, so no PATH trickery. */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

export function parseCapSets(status: string): CapSets {
  const mask = (name: string): bigint => {
    const m = new RegExp(`^${name}:\\s*([0-9a-fA-F]+)\\s*$`, 'm').exec(status);
    if (!m) throw new Error(`/proc/self/status has no ${name} line: cannot tell which capabilities the agent holds`);
    return BigInt(`0x${m[1]!}`);
  };
  return { inheritable: mask('CapInh'), permitted: mask('CapPrm'), effective: mask('CapEff'), ambient: mask('CapAmb') };
}

/** "CAP_NET_ADMIN, CAP_NET_RAW" for a mask; bits without a name here as "cap 17". */
export function capNames(mask: bigint): string {
  const names: string[] = [];
  for (let bit = 0n; bit < 64n; bit++) if ((mask >> bit) & 1n) names.push(NAMES[String(bit)] ?? `cap ${bit}`);
  return names.join(', ');
}

/**
 * The argv that runs `file args` with no capabilities. A process holding none (an agent run
 * unprivileged without the unit's ambient set) runs it as it is. Holding some and no setpriv:
 * refused, never run with them (fail closed).
 */
export function withoutCapabilities(file: string, args: readonly string[], opts: DropOptions): Unprivileged {
  const { caps } = opts;
  const held = caps.permitted | caps.effective | caps.ambient | caps.inheritable;
  if (held === 0n) return { ok: true, file, args: [...args] };
  if (opts.setpriv === undefined) {
    return {
      ok: false,
      error: `${file}: not run, the agent's capabilities (${capNames(held)}) cannot be dropped: setpriv (util-linux) not found at ${SETPRIV_PATHS.join(' or ')}`,
    };
  }
  // Lowering the bounding set needs CAP_SETPCAP (root has it; the unit's unprivileged user does
  // not, and needs no such drop: with NoNewPrivileges nothing it runs can gain capabilities back).
  const bounding = (caps.effective >> CAP_SETPCAP) & 1n ? ['--bounding-set=-all'] : [];
  return {
    ok: true,
    file: opts.setpriv,
    args: ['--inh-caps=-all', '--ambient-caps=-all', ...bounding, '--', file, ...args],
  };
}

/** This host's setpriv, looked up in the fixed places (executable), or undefined. */
export function findSetpriv(paths: readonly string[] = SETPRIV_PATHS): string | undefined {
  for (const p of paths) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here: try the next place
    }
  }
  return undefined;
}

let mine: DropOptions | undefined;

/**
 * The agent's own capabilities and setpriv, read once: neither changes while the agent runs.
 * Unreadable /proc is an error for every hook, not a silent run with whatever we hold.
 */
export function agentDropOptions(): DropOptions {
  mine ??= { caps: parseCapSets(readFileSync('/proc/self/status', 'utf8')), setpriv: findSetpriv() };
  return mine;
}

/**
 * withoutCapabilities with the agent's own sets; any failure to find out comes back as a reason.
 * A program path that cannot be executed is said in spawn's words before setpriv is involved, so
 * the reason names the missing program rather than setpriv's exit code 127.
 */
export function unprivileged(file: string, args: readonly string[]): Unprivileged {
  try {
    const argv = withoutCapabilities(file, args, agentDropOptions());
    if (argv.ok && argv.file !== file && file.includes('/')) accessSync(file, constants.X_OK);
    return argv;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return { ok: false, error: `spawn ${file} ${code}` };
    return { ok: false, error: `${file}: not run: ${err instanceof Error ? err.message : String(err)}` };
  }
}
