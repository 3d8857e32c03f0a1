import type { Context, ScheduledEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { viewsOf } from '../control/group';
import { errorText } from '../lib/log';
import { tick } from '../control/tick';
import { countTick } from './observability';
import { createRuntime, forInvocation, runtimeOnce, type Runtime } from './runtime';

const runtime = runtimeOnce(() => createRuntime());

export interface ScheduleSummary {
  groups: Array<{
    group: string;
    status: string;
    version?: number;
    moves?: number;
    repairs?: number;
    failed?: number;
    unowned?: number;
    dead?: number;
    error?: string;
  }>;
}

/**
 * The EventBridge schedule: reconcile every group (today: the one cluster of IPFERRY_CONFIG) —
 * decide, commit, read the providers' truth and repair drift. It is the backstop; failover itself
 * is started by heartbeats.
 */
export async function handler(event: ScheduledEvent, context?: Context): Promise<ScheduleSummary> {
  return scheduleHandler(await runtime(), event, context);
}

export async function scheduleHandler(rt: Runtime, event: ScheduledEvent, context?: Context): Promise<ScheduleSummary> {
  const { ctx, metrics } = rt;
  const local = forInvocation(ctx, context);
  const started = Date.now();
  try {
    const r = await tick(local, {
      trigger: { kind: 'schedule', at: ctx.clock.now(), detail: `schedule ${event.id ?? ''}`.trim() },
      repairDrift: true,
    });
    countTick(metrics, r, Date.now() - started);
    const health = await groupHealth(rt);
    metrics.addMetric('UnownedVips', MetricUnit.Count, health.unowned);
    metrics.addMetric('NodesDead', MetricUnit.Count, health.dead);
    if (r.status !== 'done') return { groups: [{ group: ctx.group, status: r.status, ...health }] };
    return {
      groups: [
        {
          group: ctx.group,
          status: r.status,
          version: r.version,
          moves: r.moves.length,
          repairs: r.repairs.length,
          failed: r.failed,
          ...health,
        },
      ],
    };
  } catch (err) {
    rt.logger.error('scheduled tick failed', { error: errorText(err) });
    throw err;
  } finally {
    await rt.store.flush();
    metrics.publishStoredMetrics();
  }
}

async function groupHealth(rt: Runtime): Promise<{ unowned: number; dead: number }> {
  const { ctx } = rt;
  const state = await ctx.store.loadGroup(ctx.group);
  const now = ctx.clock.now();
  const owned = new Set(state.assignments.filter((a) => a.node !== null).map((a) => a.vip));
  // The views decide() takes: under witnessed liveness a node's last report may be a minute old
  // while its witnesses hear it five times a second.
  const views = new Map(viewsOf(state, ctx.config, now).map((v) => [v.id, v]));
  const dead = ctx.config.nodes.filter((n) => {
    const seen = views.get(n.id)?.lastSeen;
    return seen == null || now - seen > ctx.config.timers.deadAfter;
  }).length;
  return { unowned: ctx.config.vips.filter((v) => !owned.has(v.name)).length, dead };
}
