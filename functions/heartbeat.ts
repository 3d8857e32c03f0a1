import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { StoreError } from '../core/ports';
import { handleHeartbeat } from '../control/heartbeat';
import { errorText } from '../control/log';
import { tick, type TickResult } from '../control/tick';
import { countTick, MetricUnit } from './observability';
import { createRuntime, runtimeOnce, type Runtime } from './runtime';
import { errorResult, jsonResult, parseUrlEvent, type UrlResult } from './url-event';

/** Built once per container, on the first heartbeat. */
const runtime = runtimeOnce(() => createRuntime());

/**
 * The heartbeat function URL (auth NONE: every heartbeat is signed): verify → store → answer with
 * the node's assignments. When the heartbeat shows a change is due (a peer newly dead, an owner
 * unhealthy or leaving) the tick runs here and now, and the answer already carries its result.
 */
export async function handler(event: LambdaFunctionURLEvent, context?: Context): Promise<UrlResult> {
  let rt: Runtime;
  try {
    rt = await runtime();
  } catch (err) {
    console.error(JSON.stringify({ level: 'ERROR', message: 'ipferry runtime failed to start', error: errorText(err) }));
    return errorResult(500, 'invalid', `control plane misconfigured: ${errorText(err)}`);
  }
  return heartbeatHandler(rt, event, context);
}

export async function heartbeatHandler(rt: Runtime, event: LambdaFunctionURLEvent, context?: Context): Promise<UrlResult> {
  const { ctx, metrics } = rt;
  const req = parseUrlEvent(event);
  if (req.method !== 'POST') return errorResult(405, 'malformed', 'heartbeats are POSTed');
  // A move may take until shortly before the function would be cut off, never longer.
  const budget = context ? Math.max(1000, context.getRemainingTimeInMillis() - 3000) : ctx.tuning.moveDeadlineMs;
  const local = { ...ctx, tuning: { ...ctx.tuning, moveDeadlineMs: Math.min(ctx.tuning.moveDeadlineMs, budget) } };
  let ticked: { result: TickResult | undefined; ms: number } | undefined;
  try {
    const reply = await handleHeartbeat(local, rt.verifier, req.body, {
      waitForTick: true,
      runTick: async (trigger) => {
        const started = Date.now();
        const result = await tick(local, { trigger });
        ticked = { result, ms: Date.now() - started };
        return result;
      },
    });
    metrics.addMetric(reply.ok ? 'Heartbeats' : 'HeartbeatsRefused', MetricUnit.Count, 1);
    if (ticked) countTick(metrics, ticked.result, ticked.ms);
    return jsonResult(reply.status, reply.body);
  } catch (err) {
    rt.logger.error('heartbeat failed', { error: errorText(err) });
    return err instanceof StoreError ? errorResult(503, err.reason, err.message) : errorResult(500, 'transient', errorText(err));
  } finally {
    await rt.store.flush();
    metrics.publishStoredMetrics();
  }
}
