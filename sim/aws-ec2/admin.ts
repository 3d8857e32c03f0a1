/**
 * EC2-specific admin routes (JSON), next to the shared ones in sim/common/emulator.ts:
 *
 *   GET    /__admin/deny                 the deny list
 *   POST   /__admin/deny                 {"action"?: "AssociateAddress", "resource"?: "eipalloc-1"}
 *                                        adds a rule: matching calls answer UnauthorizedOperation (403)
 *   DELETE /__admin/deny                 clears the deny list
 *
 * "By hand" changes, like a person in the console (no throttling, faults, deny list or call log;
 * same validation and the same invariant check as the API):
 *   POST /__admin/associate              {"allocationId", "networkInterfaceId"|"instanceId", "privateIpAddress"?}
 *   POST /__admin/disassociate           {"allocationId"}
 *   POST /__admin/assign-private-ip      {"networkInterfaceId", "privateIpAddress"}   (moves it if held elsewhere)
 *   POST /__admin/unassign-private-ip    {"networkInterfaceId", "privateIpAddress"}
 *   POST /__admin/replace-route          {"routeTableId", "destinationCidrBlock", "networkInterfaceId"|"instanceId"}
 *   POST /__admin/act                    {"action": "<any mutating action>", "params": {Query parameters}}
 * They answer 200 {"ok": true} or 400 {"error": "<EC2 error code>", "message": "..."}.
 */
import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import type { XmlContent } from '../common/xml';
import type { ActionSpec } from './actions/context';
import { EC2_ACTIONS } from './actions/index';
import type { Eip } from './state';
import { Ec2Error, QueryParams } from './wire';

export interface DenyRule {
  /** Deny this action (all actions when absent). */
  action?: string;
  /** Deny calls that name this resource id in any parameter (all when absent). */
  resource?: string;
}

interface AdminTarget {
  readonly denyRules: DenyRule[];
  mutate(spec: ActionSpec, params: QueryParams): XmlContent;
  elasticIp(allocationIdOrPublicIp: string): Eip | undefined;
}

type Body = Record<string, unknown>;

/** Each console-style route as the action it performs and its Query parameters. */
const BY_HAND: Record<string, (b: Body, emu: AdminTarget) => [string, Record<string, unknown>]> = {
  '/__admin/associate': (b) => [
    'AssociateAddress',
    {
      AllocationId: b.allocationId,
      NetworkInterfaceId: b.networkInterfaceId,
      InstanceId: b.instanceId,
      PrivateIpAddress: b.privateIpAddress,
      AllowReassociation: true,
    },
  ],
  // The console names the address; the API wants its current association.
  '/__admin/disassociate': (b, emu) => [
    'DisassociateAddress',
    {
      AssociationId:
        emu.elasticIp(String(b.allocationId))?.association?.associationId ?? `not-associated:${String(b.allocationId)}`,
    },
  ],
  '/__admin/assign-private-ip': (b) => [
    'AssignPrivateIpAddresses',
    { NetworkInterfaceId: b.networkInterfaceId, PrivateIpAddress: [b.privateIpAddress], AllowReassignment: true },
  ],
  '/__admin/unassign-private-ip': (b) => [
    'UnassignPrivateIpAddresses',
    { NetworkInterfaceId: b.networkInterfaceId, PrivateIpAddress: [b.privateIpAddress] },
  ],
  '/__admin/replace-route': (b) => [
    'ReplaceRoute',
    {
      RouteTableId: b.routeTableId,
      DestinationCidrBlock: b.destinationCidrBlock,
      NetworkInterfaceId: b.networkInterfaceId,
      InstanceId: b.instanceId,
    },
  ],
  '/__admin/act': (b) => [String(b.action ?? ''), (b.params ?? {}) as Record<string, unknown>],
};

export class Ec2Admin {
  constructor(private readonly emu: AdminTarget) {}

  denies(action: string, params: QueryParams): boolean {
    const values = params.values();
    return this.emu.denyRules.some(
      (r) =>
        (r.action === undefined || r.action === action) && (r.resource === undefined || values.includes(r.resource)),
    );
  }

  handle(req: HttpRequest): HttpAnswer | undefined {
    if (req.path === '/__admin/deny') return this.deny(req);
    const route = BY_HAND[req.path];
    if (!route || req.method !== 'POST') return undefined;
    const body = JSON.parse(req.body.toString('utf8') || '{}') as Body;
    const [action, params] = route(body, this.emu);
    const spec = EC2_ACTIONS[action];
    if (!spec?.mutating) return json(400, { error: 'InvalidAction', message: `"${action}" is not a mutating action` });
    try {
      this.emu.mutate(spec, toQuery(params));
      return json(200, { ok: true });
    } catch (err) {
      if (err instanceof Ec2Error) return json(400, { error: err.code, message: err.message });
      throw err;
    }
  }

  private deny(req: HttpRequest): HttpAnswer {
    if (req.method === 'DELETE') this.emu.denyRules.length = 0;
    if (req.method === 'POST') {
      const b = JSON.parse(req.body.toString('utf8') || '{}') as Body;
      const rule: DenyRule = {};
      if (typeof b.action === 'string') rule.action = b.action;
      if (typeof b.resource === 'string') rule.resource = b.resource;
      if (rule.action === undefined && rule.resource === undefined)
        throw new Error('a deny rule needs "action" and/or "resource"');
      this.emu.denyRules.push(rule);
    }
    return json(200, { rules: this.emu.denyRules });
  }
}

/** JSON parameters as the SDK would send them: lists become `Name.1`, `Name.2`, ... */
function toQuery(params: Record<string, unknown>): QueryParams {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) v.forEach((item, i) => item !== undefined && form.set(`${k}.${i + 1}`, String(item)));
    else form.set(k, String(v));
  }
  return new QueryParams(form);
}
