import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import { renderAction } from './actions';
import type { CloudContext } from './context';
import { CloudApiError, invalidField } from './errors';
import { renderFloatingIp } from './render';
import { paginate, readJsonObject } from './request';
import type { FloatingIpRecord } from './state';

/** GET/POST handlers for `/floating_ips`. */

export function listFloatingIps(ctx: CloudContext, req: HttpRequest): HttpAnswer {
  const name = req.query.get('name');
  const all = [...ctx.state.floatingIps.values()]
    .filter((f) => name === null || f.name === name)
    .sort((a, b) => a.id - b.id);
  const page = paginate(all, req.query);
  return json(200, { floating_ips: page.items.map((f) => renderFloatingIp(f, ctx.view)), meta: page.meta });
}

export function getFloatingIp(ctx: CloudContext, id: number): HttpAnswer {
  return json(200, { floating_ip: renderFloatingIp(floatingIpOrThrow(ctx, id), ctx.view) });
}

export function assignFloatingIp(ctx: CloudContext, id: number, req: HttpRequest): HttpAnswer {
  const body = readJsonObject(req);
  const fip = floatingIpOrThrow(ctx, id);
  const serverId = body.server;
  if (typeof serverId !== 'number' || !Number.isSafeInteger(serverId) || serverId <= 0) {
    throw invalidField('server', 'is required and must be a server id');
  }
  const server = ctx.state.servers.get(serverId);
  if (!server) throw new CloudApiError('not_found', `server with ID ${serverId} not found`);
  if (fip.blocked) throw new CloudApiError('forbidden', `floating IP ${id} is blocked`);
  throwIfLocked(ctx, fip, serverId);
  if (server.location.network_zone !== fip.homeLocation.network_zone) {
    throw invalidField(
      'server',
      `server ${serverId} is in network zone ${server.location.network_zone}, floating IP ${id} in ${fip.homeLocation.network_zone}`,
    );
  }
  if (fip.server.current() === serverId) {
    throw new CloudApiError('floating_ip_assigned', `floating IP ${id} is already assigned to server ${serverId}`);
  }
  const action = ctx.actions.start(
    'assign_floating_ip',
    [
      { id: serverId, type: 'server' },
      { id, type: 'floating_ip' },
    ],
    ctx.now,
    ctx.actionDurationMs,
  );
  if (!action.failure) fip.server.set(serverId, action.finishAt);
  return json(201, { action: renderAction(action, ctx.now) });
}

/** Unassigning an unassigned floating IP is accepted as a no-op action (it ends unassigned). */
export function unassignFloatingIp(ctx: CloudContext, id: number): HttpAnswer {
  const fip = floatingIpOrThrow(ctx, id);
  const previous = fip.server.current();
  throwIfLocked(ctx, fip, previous);
  const resources: Array<{ id: number; type: 'server' | 'floating_ip' }> = [{ id, type: 'floating_ip' }];
  if (previous !== null) resources.unshift({ id: previous, type: 'server' });
  const action = ctx.actions.start('unassign_floating_ip', resources, ctx.now, ctx.actionDurationMs);
  if (!action.failure) fip.server.set(null, action.finishAt);
  return json(201, { action: renderAction(action, ctx.now) });
}

function floatingIpOrThrow(ctx: CloudContext, id: number): FloatingIpRecord {
  const fip = ctx.state.floatingIps.get(id);
  if (!fip) throw new CloudApiError('not_found', `floating_ip with ID ${id} not found`);
  return fip;
}

function throwIfLocked(ctx: CloudContext, fip: FloatingIpRecord, serverId: number | null): void {
  if (ctx.actions.isLocked('floating_ip', fip.id, ctx.now)) {
    throw new CloudApiError('locked', `floating IP ${fip.id} is locked: an action is still running`);
  }
  if (serverId !== null && ctx.actions.isLocked('server', serverId, ctx.now)) {
    throw new CloudApiError('locked', `server ${serverId} is locked: an action is still running`);
  }
}
