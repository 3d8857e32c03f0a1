import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess } from '../../sim/lab';
import { waitForLine } from '../../sim/lab/process';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

/**
 * `ipferry control` (memory store) as its own process in a lab host, listening on that host's
 * segment address: the agents reach it over the same bridge as each other, so a link down or a
 * partition cuts a host from its peers and from the control plane alike, as on a real LAN.
 */
export class ControlRun {
  readonly lines: Array<{ at: number; line: string }> = [];

  private constructor(
    readonly proc: LabProcess,
    readonly url: string,
  ) {
    proc.onLine((line, at) => {
      this.lines.push({ at, line });
      // Bounded: the memory is for failure reports, the last few thousand lines are plenty.
      if (this.lines.length > 5000) this.lines.splice(0, 1000);
    });
  }

  /** Starts it and resolves once it listens (its banner names the URL). */
  static async start(lab: Lab, host: string, listen: string, configFile: string): Promise<ControlRun> {
    // The program itself (not npx): a signal must reach the control plane, not a wrapper.
    const proc = lab.spawn(host, process.execPath, [
      '--import',
      'tsx',
      MAIN,
      'control',
      '--config',
      configFile,
      '--listen',
      listen,
    ]);
    const run = new ControlRun(proc, `http://${listen}`);
    await waitForLine(proc, (l) => (l.startsWith('ipferry control plane for cluster') ? true : undefined), 20_000);
    return run;
  }

  /** Its log lines about moves and the judge's verdicts (pino JSON), since `since`, for a report. */
  tail(n: number, since = 0): string {
    const notable = this.lines.filter(
      ({ at, line }) => at >= since && /move|dead|silent|tick|"level":[45]0/.test(line),
    );
    return notable
      .slice(-n)
      .map(({ at, line }) => `  control +${at - since}ms ${summarize(line)}`)
      .join('\n');
  }

  /** Every line (parsed when it is pino JSON) that mentions a move. */
  moves(): Array<Record<string, unknown> & { at: number }> {
    return this.lines.flatMap(({ at, line }) => {
      if (!/move/i.test(line)) return [];
      try {
        return [{ ...(JSON.parse(line) as Record<string, unknown>), at }];
      } catch {
        return [{ msg: line, at }];
      }
    });
  }
}

function summarize(line: string): string {
  try {
    const l = JSON.parse(line) as Record<string, unknown>;
    // Every line carries these; the report is easier to read without them.
    for (const k of ['time', 'pid', 'hostname', 'service', 'cluster']) delete l[k];
    const { level, msg, ...rest } = l;
    return `${String(level)} ${String(msg)} ${JSON.stringify(rest).slice(0, 300)}`;
  } catch {
    return line.slice(0, 300);
  }
}
