import { bridgeNetns, type LabMember } from './names';
import { must, runCommand, type LabRunner } from './run';

/** The segment every member starts on, and the one `partition` moves members to. */
export const MAIN_BRIDGE = 'br0';
export const CUT_BRIDGE = 'br1';

/**
 * Builds the segment: a bridge namespace with two bridges, and per member a namespace whose veth's
 * inside end is eth0 (addresses, MAC fixed) and whose outside end is a port of br0.
 * Multicast snooping is off so IPv6 neighbour discovery floods like a plain hub and never depends
 * on MLD state the bridge may not have learnt yet.
 */
export async function buildSegment(
  prefix: string,
  members: readonly LabMember[],
  run: LabRunner = runCommand,
): Promise<void> {
  const br = bridgeNetns(prefix);
  await must(run, 'ip', ['netns', 'add', br]);
  for (const bridge of [MAIN_BRIDGE, CUT_BRIDGE]) {
    await must(run, 'ip', ['-n', br, 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
    await must(run, 'ip', ['-n', br, 'link', 'set', bridge, 'up']);
  }
  for (const m of members) await addMember(br, m, run);
}

async function addMember(br: string, m: LabMember, run: LabRunner): Promise<void> {
  await must(run, 'ip', ['netns', 'add', m.netns]);
  // Created inside the bridge namespace with its peer straight in the member's: nothing ever
  // appears in the root namespace, so concurrent labs cannot collide there.
  await must(run, 'ip', [
    '-n',
    br,
    'link',
    'add',
    m.bridgePort,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'address',
    m.mac,
    'netns',
    m.netns,
  ]);
  await must(run, 'ip', ['-n', br, 'link', 'set', m.bridgePort, 'master', MAIN_BRIDGE, 'up']);
  await must(run, 'ip', ['-n', m.netns, 'link', 'set', 'lo', 'up']);
  await must(run, 'ip', ['-n', m.netns, 'addr', 'add', `${m.ipv4}/24`, 'dev', 'eth0']);
  await must(run, 'ip', ['-n', m.netns, 'addr', 'add', `${m.ipv6}/64`, 'dev', 'eth0', 'nodad']);
  await must(run, 'ip', ['-n', m.netns, 'link', 'set', 'eth0', 'up']);
}

/** Namespaces of the lab in the order they should go: members first, the bridge last. */
export function teardownOrder(prefix: string, members: readonly LabMember[]): string[] {
  return [...members.map((m) => m.netns), bridgeNetns(prefix)];
}

/**
 * Removes namespaces, killing whatever still runs in them first (a process keeps a namespace
 * alive after `ip netns del`, and with it the veth). Never throws for a namespace already gone;
 * returns what it could not remove, with the reason.
 */
export async function removeNetns(names: readonly string[], run: LabRunner = runCommand): Promise<string[]> {
  const problems: string[] = [];
  const existing = new Set(await listNetns(run));
  for (const ns of names) {
    if (!existing.has(ns)) continue;
    const pids = await run('ip', ['netns', 'pids', ns]);
    for (const pid of pids.stdout.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already exited between the listing and the kill.
      }
    }
    const del = await run('ip', ['netns', 'del', ns]);
    if (del.code !== 0) problems.push(`${ns}: ${del.stderr.trim() || `exit ${del.code}`}`);
  }
  return problems;
}

export async function listNetns(run: LabRunner = runCommand): Promise<string[]> {
  const out = await must(run, 'ip', ['-j', 'netns', 'list']);
  if (out.trim() === '') return [];
  const parsed = JSON.parse(out) as Array<{ name?: unknown }>;
  return parsed.map((e) => e.name).filter((n): n is string => typeof n === 'string');
}
