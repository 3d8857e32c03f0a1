/**
 * What a process has spent, read from Linux's /proc as `top` and `ps` read it: CPU time from
 * /proc/<pid>/stat (utime + stime, in clock ticks) and the resident set from /proc/<pid>/status.
 * Read from outside, so measuring costs the measured process nothing (no /status request).
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface Usage {
  /** User + system CPU time so far, in ms. */
  cpuMs: number;
  /** Resident set now, in bytes. */
  rssBytes: number;
}

/** The process's CPU time and resident set now; undefined once it has exited. */
export async function usageOf(pid: number): Promise<Usage | undefined> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, rssBytes: kb * 1024 };
  } catch {
    return undefined;
  }
}

/** Pids of this process's children whose command name is `comm` (e.g. the etcd the helper started). */
export async function childrenNamed(comm: string, parent = process.pid): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (name === comm && ppid === parent) out.push(Number(entry));
  }
  return out;
}

/** CPU as % of one core over a window, from two readings `wallMs` apart. */
export function cpuPercent(before: Usage, after: Usage, wallMs: number): number {
  return ((after.cpuMs - before.cpuMs) / wallMs) * 100;
}

/** One decimal (two for small figures), as the other benchmarks print them. */
export function round(x: number): number {
  return Math.abs(x) < 10 ? Math.round(x * 100) / 100 : Math.round(x * 10) / 10;
}
