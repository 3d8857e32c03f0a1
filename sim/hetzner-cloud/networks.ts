import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import { renderAction } from './actions';
import type { CloudContext } from './context';
import { CloudApiError } from './errors';
import { renderNetwork } from './render';
import { paginate } from './request';

/** Handlers for `/networks` and `/actions`. */

export function listNetworks(ctx: CloudContext, req: HttpRequest): HttpAnswer {
  const all = [...ctx.state.networks.values()].sort((a, b) => a.id - b.id);
  const page = paginate(all, req.query);
  return json(200, { networks: page.items.map((n) => renderNetwork(n, ctx.view)), meta: page.meta });
}

export function getNetwork(ctx: CloudContext, id: number): HttpAnswer {
  const network = ctx.state.networks.get(id);
  if (!network) throw new CloudApiError('not_found', `network with ID ${id} not found`);
  return json(200, { network: renderNetwork(network, ctx.view) });
}

export function getAction(ctx: CloudContext, id: number): HttpAnswer {
  const action = ctx.actions.get(id);
  if (!action) throw new CloudApiError('not_found', `action with ID ${id} not found`);
  return json(200, { action: renderAction(action, ctx.now) });
}
