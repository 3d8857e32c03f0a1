import type { HttpAnswer, HttpRequest } from '../common/http';
import type { CloudContext } from './context';
import { assignFloatingIp, getFloatingIp, listFloatingIps, unassignFloatingIp } from './floating-ips';
import { getAction, getNetwork, listNetworks } from './networks';
import { parseId } from './request';
import { changeAliasIps, getServer, listServers } from './servers';

/**
 * The routes the emulator serves, each with the action name used by the call log and by fault
 * injection (`{"kind":"error","action":"assign_floating_ip",...}`).
 */
export interface Route {
  action: string;
  mutating: boolean;
  handle(ctx: CloudContext, params: string[], req: HttpRequest): HttpAnswer;
}

interface RouteEntry extends Route {
  method: string;
  pattern: RegExp;
}

const ID = '([^/]+)';

const ROUTES: RouteEntry[] = [
  {
    method: 'GET',
    pattern: /^\/v1\/floating_ips$/,
    action: 'list_floating_ips',
    mutating: false,
    handle: (c, _p, r) => listFloatingIps(c, r),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/floating_ips/${ID}$`),
    action: 'get_floating_ip',
    mutating: false,
    handle: (c, p) => getFloatingIp(c, parseId(p[0], 'floating IP')),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/floating_ips/${ID}/actions/assign$`),
    action: 'assign_floating_ip',
    mutating: true,
    handle: (c, p, r) => assignFloatingIp(c, parseId(p[0], 'floating IP'), r),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/floating_ips/${ID}/actions/unassign$`),
    action: 'unassign_floating_ip',
    mutating: true,
    handle: (c, p) => unassignFloatingIp(c, parseId(p[0], 'floating IP')),
  },
  {
    method: 'GET',
    pattern: /^\/v1\/servers$/,
    action: 'list_servers',
    mutating: false,
    handle: (c, _p, r) => listServers(c, r),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/servers/${ID}$`),
    action: 'get_server',
    mutating: false,
    handle: (c, p) => getServer(c, parseId(p[0], 'server')),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/servers/${ID}/actions/change_alias_ips$`),
    action: 'change_alias_ips',
    mutating: true,
    handle: (c, p, r) => changeAliasIps(c, parseId(p[0], 'server'), r),
  },
  {
    method: 'GET',
    pattern: /^\/v1\/networks$/,
    action: 'list_networks',
    mutating: false,
    handle: (c, _p, r) => listNetworks(c, r),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/networks/${ID}$`),
    action: 'get_network',
    mutating: false,
    handle: (c, p) => getNetwork(c, parseId(p[0], 'network')),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/actions/${ID}$`),
    action: 'get_action',
    mutating: false,
    handle: (c, p) => getAction(c, parseId(p[0], 'action')),
  },
];

export function matchRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m) return { route: r, params: m.slice(1).map((s) => decodeURIComponent(s)) };
  }
  return undefined;
}
