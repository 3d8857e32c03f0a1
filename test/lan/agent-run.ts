import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess } from '../../sim/lab';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const KEEP = 4000;

/** One `ipferry agent` process in a lab host, with its log lines kept for failure messages. */
export class AgentRun {
  readonly lines: Array<{ at: number; line: string }> = [];
  readonly proc: LabProcess;

  constructor(
    lab: Lab,
    readonly node: string,
    readonly host: string,
    configFile: string,
  ) {
    // The program itself, not npx (a wrapper that forks): signals must reach the agent.
    const args = [
      '--import',
      'tsx',
      MAIN,
      'agent',
      '--config',
      configFile,
      '--node',
      node,
      '--hostnet',
      'linux',
      '--identity',
      'config',
      '--metrics',
      '127.0.0.1:9477',
      // Beside the config, one per node: the lab's hosts share one filesystem (and not /run/ipferry).
      '--ops-token',
      opsTokenFile(configFile, node),
    ];
    this.proc = lab.spawn(host, process.execPath, args);
    this.proc.onLine((line, at) => {
      this.lines.push({ at, line });
      if (this.lines.length > KEEP * 1.2) this.lines.splice(0, this.lines.length - KEEP);
    });
  }

  get done(): boolean {
    return this.proc.done;
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.proc.kill(sig)) throw new Error(`${this.node}: cannot send ${sig}: the agent has exited`);
  }

  /** Resolves with how it ended; rejects after `timeoutMs` with its last words. */
  async exited(timeoutMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.node} did not exit within ${timeoutMs} ms\n${this.tail(20)}`)),
        timeoutMs,
      );
    });
    try {
      const e = await Promise.race([this.proc.exited, late]);
      return e.signal ?? String(e.code);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Parsed log lines (pino JSON), with the time they were printed. */
  logs(): Array<Record<string, unknown> & { at: number }> {
    return this.lines.flatMap(({ at, line }) => {
      try {
        return [{ ...(JSON.parse(line) as Record<string, unknown>), at }];
      } catch {
        return [{ msg: line, at }];
      }
    });
  }

  /** The last `n` lines that say something happened (warnings, decisions, binds), for a report. */
  tail(n: number, since = 0): string {
    const notable = this.logs().filter(
      (l) =>
        (Number(l.level) >= 40 ||
          /bound|peer decision|fence|stopp|started|frozen|assigned|cut off|witness view|control plane/.test(
            String(l.msg),
          )) &&
        l.at >= since,
    );
    const text = notable
      .slice(-n)
      .map(
        (l) =>
          `  ${this.node} +${l.at - since}ms ${levelName(l.level)} ${String(l.msg)}${l.err ? ` (${String(l.err)})` : ''}`,
      );
    const stderr = this.proc.stderrTail().trim();
    return [...text, ...(stderr ? [`  ${this.node} stderr: ${stderr.split('\n').slice(-5).join(' | ')}`] : [])].join(
      '\n',
    );
  }
}

/** Where a lab node's agent writes its operations token (the CLI in its host reads it there). */
export function opsTokenFile(configFile: string, node: string): string {
  return join(dirname(configFile), `ops-${node}.token`);
}

function levelName(level: unknown): string {
  return ({ 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' } as Record<number, string>)[Number(level)] ?? '';
}
