import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLabPrefix, labPrefixOf } from './names';
import { listNetns, removeNetns } from './topology';
import { runCommand, type LabRunner } from './run';

/**
 * Who owns a lab: a small file written before the first namespace exists, so a later run can tell
 * a crashed run's leftovers (owner gone) from a lab another test file is using right now.
 */
export function labStateDir(prefix: string): string {
  // Per user: a directory root created in a shared /tmp is not writable by anyone else.
  const uid = process.getuid?.() ?? 0;
  return join(tmpdir(), uid === 0 ? 'ipferry-lab' : `ipferry-lab-${uid}`, prefix);
}

interface Owner {
  pid: number;
  /** The owner's start time in clock ticks since boot (/proc/PID/stat field 22): guards against pid reuse. */
  started: string;
}

export function claimLab(prefix: string): string {
  const dir = labStateDir(prefix);
  mkdirSync(dir, { recursive: true });
  const owner: Owner = { pid: process.pid, started: processStart(process.pid) ?? '' };
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
  return dir;
}

export function releaseLab(prefix: string): void {
  rmSync(labStateDir(prefix), { recursive: true, force: true });
}

function processStart(pid: number): string | undefined {
  try {
    // The command name (field 2) may hold spaces and parentheses: count fields after its ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerAlive(prefix: string): boolean {
  let owner: Owner;
  try {
    owner = JSON.parse(readFileSync(join(labStateDir(prefix), 'owner.json'), 'utf8')) as Owner;
  } catch {
    return false;
  }
  const started = processStart(owner.pid);
  return started !== undefined && started === owner.started;
}

/**
 * Removes lab namespaces left behind by crashed runs, with every process still in them.
 * With a prefix: that lab, whoever owns it. Without: every lab whose owner process is gone.
 * Returns the namespaces removed.
 */
export async function cleanupStale(prefix?: string, run: LabRunner = runCommand): Promise<string[]> {
  if (prefix !== undefined && !isLabPrefix(prefix)) throw new Error(`not a lab prefix: "${prefix}"`);
  const byLab = new Map<string, string[]>();
  for (const ns of await listNetns(run)) {
    const p = labPrefixOf(ns);
    if (p === undefined || (prefix !== undefined && p !== prefix)) continue;
    byLab.set(p, [...(byLab.get(p) ?? []), ns]);
  }
  const removed: string[] = [];
  for (const [p, names] of byLab) {
    if (prefix === undefined && ownerAlive(p)) continue;
    // Members before the bridge, as destroy() does.
    const ordered = [...names.filter((n) => !n.endsWith('-br')), ...names.filter((n) => n.endsWith('-br'))];
    const problems = await removeNetns(ordered, run);
    if (problems.length > 0) throw new Error(`could not remove stale lab ${p}: ${problems.join('; ')}`);
    releaseLab(p);
    removed.push(...ordered);
  }
  return removed;
}
