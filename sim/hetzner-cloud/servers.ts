import { canonicalIp } from '../../core/ip';
import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import { renderAction } from './actions';
import type { CloudContext } from './context';
import { CloudApiError, invalidField } from './errors';
import { renderServer } from './render';
import { paginate, readJsonObject } from './request';
import { inNetwork, type ServerRecord } from './state';

/** Handlers for `/servers`, including `change_alias_ips`. */

export function listServers(ctx: CloudContext, req: HttpRequest): HttpAnswer {
  const name = req.query.get('name');
  const all = [...ctx.state.servers.values()]
    .filter((s) => name === null || s.name === name)
    .sort((a, b) => a.id - b.id);
  const page = paginate(all, req.query);
  return json(200, { servers: page.items.map((s) => renderServer(s, ctx.view)), meta: page.meta });
}

export function getServer(ctx: CloudContext, id: number): HttpAnswer {
  return json(200, { server: renderServer(serverOrThrow(ctx, id), ctx.view) });
}

/**
 * Replaces the server's WHOLE alias list on one network, as the real call does: to add one alias
 * a client sends the old list plus the new address. An address another server holds (or will hold
 * once its running action ends) is refused with `ip_not_available`, so a move is remove-then-add.
 */
export function changeAliasIps(ctx: CloudContext, id: number, req: HttpRequest): HttpAnswer {
  const body = readJsonObject(req);
  const server = serverOrThrow(ctx, id);
  const networkId = body.network;
  if (typeof networkId !== 'number' || !Number.isSafeInteger(networkId))
    throw invalidField('network', 'is required and must be a network id');
  const network = ctx.state.networks.get(networkId);
  if (!network) throw new CloudApiError('not_found', `network with ID ${networkId} not found`);
  const attachment = server.nets.get(networkId);
  if (!attachment) throw invalidField('network', `server ${id} is not attached to network ${networkId}`);
  const aliases = aliasList(body.alias_ips);
  if (aliases.length > server.aliasLimit)
    throw invalidField('alias_ips', `at most ${server.aliasLimit} alias IPs per server and network`);
  for (const ip of aliases) {
    if (!inNetwork(network, ip)) throw invalidField('alias_ips', `${ip} is outside the ranges of network ${networkId}`);
  }
  if (ctx.actions.isLocked('server', id, ctx.now))
    throw new CloudApiError('locked', `server ${id} is locked: an action is still running`);
  const finishAt = ctx.now + ctx.actionDurationMs;
  for (const ip of aliases) throwIfTaken(ctx, server, networkId, ip, finishAt);
  const action = ctx.actions.start(
    'change_alias_ips',
    [
      { id, type: 'server' },
      { id: networkId, type: 'network' },
    ],
    ctx.now,
    ctx.actionDurationMs,
  );
  if (!action.failure) attachment.aliases.set(aliases, action.finishAt);
  return json(201, { action: renderAction(action, ctx.now) });
}

function aliasList(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalidField('alias_ips', 'is required and must be a list of IPv4 addresses');
  const out: string[] = [];
  for (const item of value) {
    const ip = typeof item === 'string' ? canonicalIp(item) : undefined;
    if (ip === undefined || ip.includes(':'))
      throw invalidField('alias_ips', `"${String(item)}" is not an IPv4 address`);
    if (out.includes(ip)) throw invalidField('alias_ips', `${ip} is listed twice`);
    out.push(ip);
  }
  return out;
}

function throwIfTaken(ctx: CloudContext, server: ServerRecord, networkId: number, ip: string, at: number): void {
  const primary = ctx.state.primaryHolder(networkId, ip);
  const others = ctx.state.aliasHolders(networkId, ip, at).filter((h) => h !== server.id);
  if (primary !== undefined || others.length > 0) {
    const holder = primary ?? others[0];
    throw new CloudApiError('ip_not_available', `IP ${ip} is not available: it is in use by server ${holder}`, { ip });
  }
}

function serverOrThrow(ctx: CloudContext, id: number): ServerRecord {
  const server = ctx.state.servers.get(id);
  if (!server) throw new CloudApiError('not_found', `server with ID ${id} not found`);
  return server;
}
