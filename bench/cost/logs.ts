import { Writable } from 'node:stream';

/**
 * What a function writes to CloudWatch Logs during one invocation: every line the handler writes
 * to stdout or stderr (Powertools logger lines, EMF metric blobs) or through the providers' pino
 * logger. Lambda turns each line into one log event.
 */
export class LogCapture {
  private lines: string[] = [];
  private partial = '';
  private restore: (() => void) | undefined;
  /** Give this to pino: the providers' logger writes to fd 1 directly in Lambda, here into the capture. */
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _enc, done) => {
      this.take(String(chunk));
      done();
    },
  });

  /** Starts capturing process.stdout and process.stderr (the bench's own output goes through `print`). */
  start(): void {
    if (this.restore) return;
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const grab = (chunk: unknown): boolean => {
      this.take(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    process.stdout.write = grab as typeof process.stdout.write;
    process.stderr.write = grab as typeof process.stderr.write;
    this.restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }

  stop(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** The lines written since the last take (one invocation's worth). */
  takeLines(): string[] {
    if (this.partial !== '') this.take('\n');
    const lines = this.lines;
    this.lines = [];
    return lines;
  }

  private take(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) if (p.trim() !== '') this.lines.push(p);
  }
}

/** Writes to the real stdout even while a capture runs. */
export function printer(): (line: string) => void {
  const out = process.stdout.write.bind(process.stdout);
  return (line) => void out(`${line}\n`);
}

/**
 * Lambda's own log events per invocation, sized from the formats AWS documents (Lambda developer
 * guide, "Monitoring and troubleshooting Lambda functions" and "Lambda Telemetry API" for the JSON
 * platform events): START, END and REPORT (with an XRAY line when tracing is active, and Init
 * Duration on a cold start). Request ids are UUIDs, durations printed with two decimals.
 */
export function platformLines(opts: {
  format: 'Text' | 'JSON';
  durationMs: number;
  memoryMb: number;
  maxMemoryMb: number;
  tracing: boolean;
  initMs?: number;
}): string[] {
  const id = '8f5bd1b9-6a2e-4b8c-9d41-2f3a5c7e9b10';
  const d = opts.durationMs.toFixed(2);
  const billed = Math.ceil(opts.durationMs);
  const trace = '1-675a3c2e-4f8b2d6a1c9e7f3b5d0a8c2e';
  if (opts.format === 'Text') {
    const init = opts.initMs === undefined ? '' : `Init Duration: ${opts.initMs.toFixed(2)} ms\t`;
    const xray = opts.tracing ? `\nXRAY TraceId: ${trace}\tSegmentId: 6b1ae2ab04eb5f6a\tSampled: true\t` : '';
    return [
      `START RequestId: ${id} Version: $LATEST`,
      `END RequestId: ${id}`,
      `REPORT RequestId: ${id}\tDuration: ${d} ms\tBilled Duration: ${billed} ms\tMemory Size: ${opts.memoryMb} MB\tMax Memory Used: ${opts.maxMemoryMb} MB\t${init}${xray}`,
    ];
  }
  const time = '2026-12-04T10:00:00.000Z';
  const tracing = opts.tracing
    ? `,"tracing":{"spanId":"6b1ae2ab04eb5f6a","type":"X-Amzn-Trace-Id","value":"Root=${trace};Parent=6b1ae2ab04eb5f6a;Sampled=1"}`
    : '';
  return [
    `{"time":"${time}","type":"platform.start","record":{"requestId":"${id}","version":"$LATEST"${tracing}}}`,
    `{"time":"${time}","type":"platform.runtimeDone","record":{"requestId":"${id}","status":"success","metrics":{"durationMs":${d},"producedBytes":0}}}`,
    `{"time":"${time}","type":"platform.report","record":{"requestId":"${id}","metrics":{"durationMs":${d},"billedDurationMs":${billed},"memorySizeMB":${opts.memoryMb},"maxMemoryUsedMB":${opts.maxMemoryMb}${opts.initMs === undefined ? '' : `,"initDurationMs":${opts.initMs.toFixed(2)}`}},"status":"success"${tracing}}}`,
  ];
}

/** Bytes CloudWatch Logs bills for these events: each message in UTF-8 plus 26 bytes (PutLogEvents). */
export function ingestedBytes(lines: readonly string[], overheadPerEvent: number): number {
  return lines.reduce((n, l) => n + Buffer.byteLength(l, 'utf8') + overheadPerEvent, 0);
}

/**
 * The custom metrics in EMF blobs: each metric name under each dimension set (with its values) is
 * one billed metric (CloudWatch pricing: "each unique combination of namespace, metric name and
 * dimensions").
 */
export function emfMetrics(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of lines) {
    if (!line.includes('"_aws"')) continue;
    let blob: {
      _aws?: {
        CloudWatchMetrics?: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
      };
    } & Record<string, unknown>;
    try {
      blob = JSON.parse(line) as typeof blob;
    } catch {
      continue;
    }
    for (const d of blob._aws?.CloudWatchMetrics ?? []) {
      for (const set of d.Dimensions.length > 0 ? d.Dimensions : [[]]) {
        const dims = set.map((k) => `${k}=${String(blob[k])}`).join(',');
        for (const m of d.Metrics) out.add(`${d.Namespace}/${m.Name}{${dims}}`);
      }
    }
  }
  return out;
}
