import { z } from 'zod';
import { duration, identifier, prefix } from './primitives';

export const VIP_KINDS = [
  'lan',
  'aws-secondary-ip',
  'aws-elastic-ip',
  'aws-overlay-route',
  'aws-route53',
  'hetzner-floating-ip',
  'hetzner-alias-ip',
  'hetzner-robot-failover-ip',
] as const;
export type VipKind = (typeof VIP_KINDS)[number];

/** Kinds are grouped in families: one Provider per family (floating and alias IPs share one Hetzner project and its request budget). */
export type ProviderFamily = 'bare-metal' | 'hetzner-cloud' | 'hetzner-robot' | 'aws-ec2' | 'aws-route53';

/** Exhaustive on purpose: a new VIP kind does not compile until it is given a family. */
export const FAMILY_OF_KIND: Record<VipKind, ProviderFamily> = {
  lan: 'bare-metal',
  'hetzner-floating-ip': 'hetzner-cloud',
  'hetzner-alias-ip': 'hetzner-cloud',
  'hetzner-robot-failover-ip': 'hetzner-robot',
  'aws-secondary-ip': 'aws-ec2',
  'aws-elastic-ip': 'aws-ec2',
  'aws-overlay-route': 'aws-ec2',
  'aws-route53': 'aws-route53',
};

/** Kinds whose address the owner's OS must carry (the agent binds it). Route 53 and EIPs are the provider's alone. */
export const HOST_BOUND_KINDS: ReadonlySet<VipKind> = new Set([
  'lan',
  'aws-secondary-ip',
  'aws-overlay-route',
  'hetzner-floating-ip',
  'hetzner-alias-ip',
  'hetzner-robot-failover-ip',
]);

const argv = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * The arguments a hook gets after its own (agent/hooks/layouts.ts): `ipferry` ($1 interface, $2
 * address; the default), `ucarp` (the same, then `extra` as $3, ucarp's --xparam), `keepalived`
 * (notify's $1 INSTANCE, $2 the VIP's name, $3 MASTER/BACKUP/FAULT, $4 priority), `none` (only
 * its own: keepalived's notify_master and notify_backup scripts).
 */
export const HOOK_LAYOUTS = ['ipferry', 'ucarp', 'keepalived', 'none'] as const;

const hookSpec = z
  .strictObject({
    /** The program and its own arguments (no shell). */
    run: argv.optional(),
    /** Or a command of the root-owned hook helper's allow-list, by name (docs/security.md). */
    helper: identifier.optional(),
    layout: z.enum(HOOK_LAYOUTS).optional(),
    /** ucarp layout: $3, as ucarp's --xparam gave it. */
    extra: z.string().min(1).max(256).optional(),
    /** keepalived layout: $4 per node (keepalived's priority on that host; 100, its default, for others). */
    priorities: z.record(identifier, z.number().int().min(0).max(255)).optional(),
  })
  .superRefine((h, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if ((h.run === undefined) === (h.helper === undefined)) issue('give one of run (a program) or helper (a name)');
    if (h.helper !== undefined && h.layout !== undefined)
      issue("a helper command's arguments are its allow-list entry's: no layout");
    if (h.extra !== undefined && h.layout !== 'ucarp') issue('extra is $3 of the ucarp layout only');
    if (h.priorities !== undefined && h.layout !== 'keepalived')
      issue('priorities are $4 of the keepalived layout only');
  });

/** A path, an argv (today's layout), or a spec with a layout or a helper command. */
const hookCommand = z.union([argv, hookSpec]);

const hooks = z.strictObject({
  /** Run when this node takes the VIP: argv or a path, called with ($1 interface, $2 address) like ucarp. */
  up: hookCommand.optional(),
  down: hookCommand.optional(),
  /** Run on every state change of the VIP on this node (up, down, fault). */
  notify: hookCommand.optional(),
  timeout: duration.default(10_000),
});

const announce = z.strictObject({
  /** Gratuitous ARPs / unsolicited NAs sent right after binding. */
  count: z.number().int().min(0).max(50).default(3),
  spacing: duration.default(200),
  /** Keep announcing while owned (seed 000); 0 turns the refresh off. */
  refresh: duration.default(10_000),
});

const awsVip = z.strictObject({
  /** aws-elastic-ip: the allocation to associate. */
  allocationId: z
    .string()
    .regex(/^eipalloc-[0-9a-f]{8,17}$/, { message: 'expected an allocation id like "eipalloc-0abc1234"' })
    .optional(),
  /** aws-overlay-route: the route tables whose route to this prefix points at the owner's ENI. */
  routeTables: z
    .array(z.string().regex(/^rtb-[0-9a-f]{8,17}$/, { message: 'expected a route table id like "rtb-0abc1234"' }))
    .optional(),
  /** aws-route53: the zone and record pointing at the owner. */
  hostedZoneId: z.string().min(1).optional(),
  recordName: z.string().min(1).optional(),
  ttl: z.number().int().min(0).max(86_400).default(60),
});

const hetznerVip = z.strictObject({
  /** hetzner-floating-ip: the floating IP's id (found by address when absent). */
  floatingIpId: z.number().int().positive().optional(),
  /** hetzner-alias-ip: the network (defaults to the node's hetzner.networkId). */
  networkId: z.number().int().positive().optional(),
});

export const VipSchema = z.strictObject({
  /** Defaults to the address (without prefix) or, for aws-route53, the record name. */
  name: identifier.optional(),
  /** The address with the prefix length it is plumbed with, e.g. "198.18.0.50/24". */
  address: prefix.optional(),
  kind: z.enum(VIP_KINDS).default('lan'),
  /**
   * The order of succession: one node (`preferred: n1`), or several, best first
   * (`preferred: [n2, n3]`: n2 whenever it can, else n3, else the least-loaded other node).
   * A list rather than a priority per node: the order reads left to right with no ties to
   * resolve and no "is higher better?" (keepalived: yes; ucarp's advskew: no).
   */
  preferred: z.union([identifier, z.array(identifier).min(1)]).optional(),
  /** Move the VIP up the order (to `preferred`'s first node) once it has been healthy for timers.preemptDelay. */
  preempt: z.boolean().default(true),
  /** Another VIP (by name or address) this one must share a node with (Momentum's duravip_follow). */
  follow: z.string().min(1).optional(),
  /** Checks that must pass on a node for it to hold this VIP. */
  checks: z.array(identifier).default([]),
  eligible: z
    .strictObject({
      nodes: z.array(identifier).optional(),
      /** AWS subnet ids. */
      subnets: z.array(z.string()).optional(),
      /** AWS availability zones. */
      zones: z.array(z.string()).optional(),
      /** Hetzner locations. */
      locations: z.array(z.string()).optional(),
    })
    .optional(),
  /** Overrides the node's interface for this VIP. */
  interface: z.string().min(1).optional(),
  /** What an owner does when it cannot reach the control plane: keep serving or let go. */
  onControlLoss: z.enum(['hold', 'release']).optional(),
  hooks: hooks.optional(),
  announce: announce.prefault({}),
  aws: awsVip.optional(),
  hetzner: hetznerVip.optional(),
});

export type VipInput = z.output<typeof VipSchema>;
