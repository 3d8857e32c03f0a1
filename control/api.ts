import { StoreError } from '../core/ports';
import type { ControlContext } from './context';
import { errorText } from '../lib/log';
import { manualMove, OperatorError, setDrain, unpin } from './operator';
import { plan, status } from './status';
import type { TickMove, TickResult, TickTrigger } from './tick';

export interface ApiRequest {
  method: string;
  /** The path without the query string, e.g. /v1/status. */
  path: string;
  query: URLSearchParams;
  body?: string;
  /** Who asks (IAM principal, token holder): recorded with drains and manual moves. */
  by?: string;
}

export interface ApiReply {
  status: number;
  body: unknown;
}

export interface ApiOptions {
  /** Starts a tick after a drain or undrain so VIPs move now, not at the next schedule. */
  runTick?: (trigger: TickTrigger) => Promise<TickResult | undefined>;
  waitForTick?: boolean;
}

type Handler = (ctx: ControlContext, req: ApiRequest, opts: ApiOptions) => Promise<ApiReply>;

/**
 * The operator API, shared by the local control plane (node:http) and the Lambda function URL:
 *   GET  /v1/status                     nodes, VIPs with owners/epochs/reasons, diagnostics, recent moves
 *   GET  /v1/events?limit=N&before=ID   newest first; `next` names the following page
 *   GET  /v1/plan[?observe=1]           what decide() would do now, without committing
 *   POST /v1/drain   {"node"}           / POST /v1/undrain {"node"}
 *   POST /v1/move    {"vip","node","reason"}   a pinned manual assignment (reason "manual")
 *   POST /v1/unpin   {"vip"}            let preemption and rebalancing act on it again
 * Errors: {"error":{"reason","message"}} with 400 invalid, 404 not-found, 405, 409 conflict,
 * 503 when the store fails.
 */
const ROUTES: Record<string, Record<string, Handler>> = {
  '/v1/status': { GET: async (ctx) => ({ status: 200, body: await status(ctx) }) },
  '/v1/events': {
    GET: async (ctx, req) => {
      const limit = req.query.get('limit');
      const before = req.query.get('before');
      if (limit !== null && !/^\d{1,4}$/.test(limit))
        throw new OperatorError(400, 'invalid', 'limit must be a whole number up to 1000');
      const page = await ctx.store.listEvents(ctx.group, {
        ...(limit ? { limit: Number(limit) } : {}),
        ...(before ? { before } : {}),
      });
      return { status: 200, body: page };
    },
  },
  '/v1/plan': {
    GET: async (ctx, req) => ({
      status: 200,
      body: await plan(ctx, { observe: ['1', 'true'].includes(req.query.get('observe') ?? '') }),
    }),
  },
  '/v1/drain': { POST: (ctx, req, opts) => drain(ctx, req, opts, true) },
  '/v1/undrain': { POST: (ctx, req, opts) => drain(ctx, req, opts, false) },
  '/v1/move': {
    POST: async (ctx, req) => {
      const b = jsonBody(req);
      const vip = stringField(b, 'vip');
      const node = stringField(b, 'node');
      const reason = stringField(b, 'reason');
      const move = await manualMove(ctx, { vip, node, reason, ...(req.by ? { by: req.by } : {}) });
      return { status: move.outcome && !move.outcome.ok ? 502 : 200, body: { move } };
    },
  },
  '/v1/unpin': {
    POST: async (ctx, req, opts) => {
      const vip = stringField(jsonBody(req), 'vip');
      const result = await unpin(ctx, { vip, ...(req.by ? { by: req.by } : {}) });
      const moves = result.event
        ? await tickAfter(ctx, opts, { kind: 'api', at: result.event.at, detail: result.event.detail })
        : undefined;
      return { status: 200, body: { ...result, ...(moves ? { moves } : {}) } };
    },
  },
};

export async function handleApi(ctx: ControlContext, req: ApiRequest, opts: ApiOptions = {}): Promise<ApiReply> {
  const route = ROUTES[req.path.replace(/\/+$/, '') || '/'];
  if (!route) return failure(404, 'not-found', `no route ${req.path}`);
  const handler = route[req.method.toUpperCase()];
  if (!handler)
    return failure(
      405,
      'invalid',
      `${req.method} is not allowed on ${req.path} (use ${Object.keys(route).join(', ')})`,
    );
  try {
    return await handler(ctx, req, opts);
  } catch (err) {
    if (err instanceof OperatorError) return failure(err.status, err.reason, err.message);
    if (err instanceof StoreError) {
      ctx.log.error('api: store failed', { path: req.path, reason: err.reason, error: err.message });
      return failure(503, err.reason, err.message);
    }
    ctx.log.error('api: failed', { path: req.path, error: errorText(err) });
    return failure(500, 'transient', errorText(err));
  }
}

async function drain(ctx: ControlContext, req: ApiRequest, opts: ApiOptions, on: boolean): Promise<ApiReply> {
  const node = stringField(jsonBody(req), 'node');
  const event = await setDrain(ctx, node, on, req.by);
  const moves = await tickAfter(ctx, opts, { kind: 'api', at: event.at, detail: event.detail });
  return { status: 200, body: { node, draining: on, event, ...(moves ? { moves } : {}) } };
}

/** Starts a tick so what an operator changed acts now; its moves when the caller waits for it. */
async function tickAfter(ctx: ControlContext, opts: ApiOptions, trigger: TickTrigger): Promise<TickMove[] | undefined> {
  const ticking = opts.runTick?.(trigger).catch((err: unknown) => {
    ctx.log.error('tick after an operator request failed', { trigger: trigger.detail, error: errorText(err) });
    return undefined;
  });
  const tick = opts.waitForTick ? await ticking : undefined;
  return tick?.status === 'done' ? tick.moves : undefined;
}

function jsonBody(req: ApiRequest): Record<string, unknown> {
  let b: unknown;
  try {
    b = JSON.parse(req.body || '{}');
  } catch {
    throw new OperatorError(400, 'invalid', 'the body is not JSON');
  }
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw new OperatorError(400, 'invalid', 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

function stringField(b: Record<string, unknown>, name: string): string {
  const v = b[name];
  if (typeof v !== 'string' || v.length === 0)
    throw new OperatorError(400, 'invalid', `"${name}" must be a non-empty string`);
  return v;
}

export function failure(status: number, reason: string, message: string): ApiReply {
  return { status, body: { error: { reason, message } } };
}
