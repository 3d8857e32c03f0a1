import { canonicalIp } from '../../core/ip';
import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import { RobotApiError } from './errors';
import { renderFailover, type FailoverRecord, type RobotState } from './state';

/** What a handler needs: the account, the time, the read lag and the routing time. */
export interface RobotContext {
  state: RobotState;
  now: number;
  lagMs: number;
  routingMs: number;
}

/** Robot answers an empty list with 404 NOT_FOUND rather than `[]`; clients must treat it as empty. */
export function listFailovers(ctx: RobotContext): HttpAnswer {
  const all = [...ctx.state.failovers.values()];
  if (all.length === 0) throw new RobotApiError('NOT_FOUND', 'No failover IPs found');
  return json(
    200,
    all.map((f) => ({ failover: renderFailover(f, f.active.visible(ctx.now, ctx.lagMs)) })),
  );
}

export function getFailover(ctx: RobotContext, ip: string): HttpAnswer {
  const f = failoverOrThrow(ctx, ip);
  return json(200, { failover: renderFailover(f, f.active.visible(ctx.now, ctx.lagMs)) });
}

/** POST /failover/{ip} with form field `active_server_ip`. */
export function routeFailover(ctx: RobotContext, ip: string, req: HttpRequest): HttpAnswer {
  const f = failoverOrThrow(ctx, ip);
  const form = new URLSearchParams(req.body.toString('utf8'));
  const raw = form.get('active_server_ip');
  if (raw === null || raw === '')
    throw new RobotApiError('INVALID_INPUT', 'invalid input', { missing: ['active_server_ip'], invalid: [] });
  const target = canonicalIp(raw);
  if (target === undefined || target.includes(':') !== (f.family === 6)) {
    throw new RobotApiError('INVALID_INPUT', 'invalid input', { missing: [], invalid: ['active_server_ip'] });
  }
  if (!ctx.state.targetServer(f.family, target))
    throw new RobotApiError('FAILOVER_NEW_SERVER_NOT_FOUND', `failover destination server ${target} not found`);
  return json(200, { failover: renderFailover(f, switchTo(ctx, f, target)) });
}

/** DELETE /failover/{ip}: stop routing it anywhere. */
export function unrouteFailover(ctx: RobotContext, ip: string): HttpAnswer {
  const f = failoverOrThrow(ctx, ip);
  return json(200, { failover: renderFailover(f, switchTo(ctx, f, null)) });
}

/** Shared by the API and the admin hand move: same lock, same "already routed" rule. */
export function switchTo(ctx: RobotContext, f: FailoverRecord, target: string | null): string | null {
  if (ctx.now < f.lockedUntil)
    throw new RobotApiError('FAILOVER_LOCKED', `failover IP ${f.ip} is being routed; try again later`);
  if (f.active.current() === target) {
    throw new RobotApiError(
      'FAILOVER_ALREADY_ROUTED',
      target === null ? `failover IP ${f.ip} is not routed` : `failover IP ${f.ip} is already routed to ${target}`,
    );
  }
  f.active.set(target, ctx.now + ctx.routingMs);
  f.lockedUntil = ctx.now + ctx.routingMs;
  return target;
}

export function failoverOrThrow(ctx: RobotContext, ipText: string): FailoverRecord {
  const f = ctx.state.failovers.get(canonicalIp(ipText) ?? ipText);
  if (!f) throw new RobotApiError('NOT_FOUND', `failover IP ${ipText} not found`);
  return f;
}
