import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { handleApi } from '../control/api';
import { tick } from '../control/tick';
import { statusPageResponse } from '../control/status-page/serve';
import { countTick } from './observability';
import { createRuntime, forInvocation, runtimeOnce, urlHandler, type Runtime } from './runtime';
import { errorResult, jsonResult, parseUrlEvent, type UrlResult } from './url-event';

/**
 * The API's requests are a few hundred bytes (a drain, a move with its 300-character reason);
 * the function URL would take 6 MB. As the local control plane: over 64 KiB is 413, unread.
 */
export const MAX_API_BODY_BYTES = 65_536;

const runtime = runtimeOnce(() => createRuntime());

/**
 * The operator API behind a function URL with AWS_IAM auth (AWS checks the SigV4 signature before
 * we run; the caller's ARN is recorded with drains and manual moves). Same routes as the local
 * control plane: GET /v1/status, /v1/events, /v1/plan; POST /v1/drain, /v1/undrain, /v1/move.
 */
export const handler = urlHandler(runtime, apiHandler);

export async function apiHandler(rt: Runtime, event: LambdaFunctionURLEvent, context?: Context): Promise<UrlResult> {
  const { ctx, metrics } = rt;
  const req = parseUrlEvent(event);
  // The status page's static assets (no data); a browser reaches them only through a signing proxy (docs/control-plane.md).
  const page = statusPageResponse(req.method, req.path);
  if (page) return { statusCode: page.status, headers: page.headers, body: page.body };
  if (req.body.length > MAX_API_BODY_BYTES) {
    rt.logger.warn('api request refused: body too large', {
      method: req.method,
      bytes: req.body.length,
      caller: req.caller,
    });
    return errorResult(413, 'invalid', 'request body over 64 KiB');
  }
  const local = forInvocation(ctx, context);
  try {
    const reply = await handleApi(
      local,
      {
        method: req.method,
        path: req.path,
        query: req.query,
        body: req.body.toString('utf8'),
        ...(req.caller ? { by: req.caller } : {}),
      },
      {
        waitForTick: true,
        runTick: async (trigger) => {
          const started = Date.now();
          const r = await tick(local, { trigger });
          countTick(metrics, r, Date.now() - started);
          return r;
        },
      },
    );
    rt.logger.info('api', { method: req.method, path: req.path, status: reply.status, caller: req.caller });
    return jsonResult(reply.status, reply.body);
  } finally {
    await rt.store.flush();
    // The API mostly reads: publish only when a tick added metrics (no empty-metrics warnings).
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
