import { startDynalite } from '../../test/control/helpers/dynalite';
import { runCase, type TickCase, type TickLine } from './cases';
import { tickWorld } from './world';

export interface TickBenchOptions {
  nodes: number;
  vips: number;
  subnets: number;
  /** Ticks per case. */
  ticks: number;
  cases?: readonly TickCase[];
  /** Called with each line as soon as its case is done. */
  onLine?: (line: TickLine) => void;
}

/**
 * The whole bench in one call: dynalite (a worker thread) and the EC2 emulator on 127.0.0.1, the
 * cluster from bigClusterConfig, then each case in order (first placement, steady state,
 * failover: each builds on the state the previous one left).
 */
export async function runTickBench(opts: TickBenchOptions): Promise<TickLine[]> {
  const dynamo = await startDynalite();
  try {
    const world = await tickWorld({
      nodes: opts.nodes,
      vips: opts.vips,
      subnets: opts.subnets,
      dynamoEndpoint: dynamo.endpoint,
    });
    try {
      const lines: TickLine[] = [];
      for (const kind of opts.cases ?? (['first', 'steady', 'failover'] as const)) {
        const line = await runCase(world, kind, opts.ticks, opts.subnets);
        lines.push(line);
        opts.onLine?.(line);
      }
      return lines;
    } finally {
      await world.close();
    }
  } finally {
    await dynamo.close();
  }
}
