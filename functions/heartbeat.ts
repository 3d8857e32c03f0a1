import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { StoreError } from '../core/ports';
import { handleHeartbeat } from '../control/heartbeat';
import { errorText } from '../control/log';
import { tick, type TickResult } from '../control/tick';
import { countTick, MetricUnit } from './observability';
import { createRuntime, forInvocation, runtimeOnce, urlHandler, type Runtime } from './runtime';
import { errorResult, jsonResult, parseUrlEvent, type UrlResult } from './url-event';

/** Built once per container, on the first heartbeat. */
const runtime = runtimeOnce(() => createRuntime());

/**
 * The heartbeat function URL (auth NONE: every heartbeat is signed): verify → store → answer with
 * the node's assignments. When the heartbeat shows a change is due (a peer newly dead, an owner
 * unhealthy or leaving) the tick runs here and now, and the answer already carries its result.
 */
export const handler = urlHandler(runtime, heartbeatHandler);

export async function heartbeatHandler(rt: Runtime, event: LambdaFunctionURLEvent, context?: Context): Promise<UrlResult> {
  const { ctx, metrics } = rt;
  const req = parseUrlEvent(event);
  if (req.method !== 'POST') return errorResult(405, 'malformed', 'heartbeats are POSTed');
  const local = forInvocation(ctx, context);
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
