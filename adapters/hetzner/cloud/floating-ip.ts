import type { NodeSpec, Vip } from '../../../core/config/model';
import { floatingIpHolds } from '../../../core/config/hetzner-addresses';
import type { Holding } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { retryableReason } from '../../../lib/retry';
import type { CallOptions, HetznerCloudClient } from './client';
import { hetznerCloudShouldRetry } from './errors';
import type { KindHandler } from '../../provider-kit/kinds';
import { refused, type MoveFrame, type MoveOutcome, type Reader } from '../frame';
import type { FloatingIp } from './schemas';

/** What the floating-IP half of the provider shares with the alias half. */
export interface CloudEnv {
  client: HetznerCloudClient;
  /** The config node whose `hetzner.serverId` is this server, if any. */
  nodeOf(serverId: number): string | undefined;
  /** Between polls of a running action. */
  actionPollMs: number;
}

/** Floating IPs found by address, by VIP name: ids never change, so each is looked up once. */
export type FloatingIpIds = Map<string, number>;

export function holdingOf(env: CloudEnv, serverId: number | null): Holding {
  if (serverId === null) return { node: null };
  const node = env.nodeOf(serverId);
  return node === undefined ? { node: null, foreign: `server ${serverId}` } : { node };
}

/** The VIP's floating IP: by `hetzner.floatingIpId`, else by address (one list, then remembered). */
export async function findFloatingIp(
  env: CloudEnv,
  ids: FloatingIpIds,
  vip: Vip,
  opts: CallOptions,
): Promise<FloatingIp> {
  const id = vip.hetzner?.floatingIpId ?? ids.get(vip.name);
  if (id !== undefined) return checkAddress(vip, await env.client.getFloatingIp(id, opts));
  const found = matchByAddress(vip, await env.client.listFloatingIps(opts));
  ids.set(vip.name, found.id);
  return found;
}

export function matchByAddress(vip: Vip, all: readonly FloatingIp[]): FloatingIp {
  if (vip.hetzner?.floatingIpId !== undefined) {
    const byId = all.find((f) => f.id === vip.hetzner!.floatingIpId);
    if (!byId)
      throw new ProviderError(
        'not-found',
        `floating IP ${vip.hetzner.floatingIpId} (VIP ${vip.name}) does not exist in the project`,
        { code: 'not_found' },
      );
    return checkAddress(vip, byId);
  }
  if (!vip.ip)
    throw new ProviderError('invalid', `VIP ${vip.name} names neither a floating IP id nor an address`, {
      code: 'invalid_argument',
    });
  const found = all.find((f) => sameAddress(f.ip, vip.ip!.text));
  if (!found)
    throw new ProviderError(
      'not-found',
      `no floating IP holds ${vip.ip.text} (VIP ${vip.name}) in the project${vip.ip.family === 6 ? ' (an IPv6 one would be its /64)' : ''}`,
      { code: 'not_found' },
    );
  return found;
}

/** A configured id whose address is not the VIP's is a config mistake: moving it would move the wrong address. */
function checkAddress(vip: Vip, fip: FloatingIp): FloatingIp {
  if (vip.ip && !sameAddress(fip.ip, vip.ip.text)) {
    throw new ProviderError(
      'invalid',
      `floating IP ${fip.id} is ${fip.ip}, which does not hold VIP ${vip.name}'s address ${vip.ip.text}`,
      { code: 'address_mismatch' },
    );
  }
  return fip;
}

/**
 * An IPv6 floating IP is a /64 and the VIP is the host address the server carries inside it
 * ("2001:db8:ff::1" in "2001:db8:ff::/64"), so matching is by containment; IPv4 is equality.
 */
function sameAddress(apiIp: string, vipIp: string): boolean {
  return floatingIpHolds(apiIp, vipIp);
}

/**
 * Assigns the floating IP to the target server: read, act only if it is elsewhere, wait for the
 * action, then read until the API shows it (reads lag). A retried assign first reads again,
 * because the attempt that timed out may have happened.
 */
export async function moveFloatingIp(
  env: CloudEnv,
  ids: FloatingIpIds,
  vip: Vip,
  to: NodeSpec,
  frame: MoveFrame,
): Promise<MoveOutcome> {
  const target = to.hetzner?.serverId;
  if (target === undefined)
    throw new ProviderError('invalid', `node ${to.id} has no hetzner.serverId to assign ${vip.name} to`, {
      code: 'invalid_argument',
    });
  const opts: CallOptions = { calls: frame.calls, signal: frame.signal };
  const before = await frame.retry(() => findFloatingIp(env, ids, vip, opts), retryableReason);
  if (before.server === target)
    return {
      changed: false,
      verifiedAt: frame.clock.now(),
      detail: `floating IP ${before.id} is already on server ${target}`,
    };

  // `changed` says a mutating call of ours took effect: an answered assign, or an earlier attempt
  // whose answer was lost but whose effect a later read (or floating_ip_assigned) shows.
  let changed = false;
  let posted = false;
  await frame.retry(async (attempt) => {
    if (attempt > 1 && (await env.client.getFloatingIp(before.id, opts)).server === target) {
      changed = posted;
      return;
    }
    const postedBefore = posted;
    posted = true;
    let action;
    try {
      action = await env.client.assignFloatingIp(before.id, target, opts);
    } catch (err) {
      // Already reserved for the target (an earlier attempt, or another mover): the read-back decides.
      if (err instanceof ProviderError && err.details.code === 'floating_ip_assigned') {
        changed = postedBefore;
        return;
      }
      if (refused(err)) posted = postedBefore;
      throw err;
    }
    changed = true;
    await env.client.waitForAction(action, {
      deadlineMs: Math.max(1, frame.deadline - frame.clock.now()),
      pollMs: env.actionPollMs,
      ...opts,
    });
  }, hetznerCloudShouldRetry);

  await frame.poll(
    `floating IP ${before.id} on server ${target}`,
    () => env.client.getFloatingIp(before.id, opts),
    (f) =>
      f.server === target
        ? 'done'
        : f.server === before.server
          ? 'wait'
          : { conflict: `it is now on ${holdingText(env, f.server)}, moved by someone else` },
    retryableReason,
  );
  return { changed, verifiedAt: frame.clock.now() };
}

function holdingText(env: CloudEnv, serverId: number | null): string {
  if (serverId === null) return 'no server';
  const node = env.nodeOf(serverId);
  return node === undefined ? `server ${serverId}` : `server ${serverId} (node ${node})`;
}

/**
 * `hetzner-floating-ip`: one floating IP per VIP, assigned to the owner's server. Observe: one GET
 * for a single VIP, one paged list for several (cheaper once there are two or more).
 */
export class FloatingIpKind implements KindHandler<MoveFrame, Reader> {
  readonly kind = 'hetzner-floating-ip' as const;
  private readonly ids: FloatingIpIds = new Map();

  constructor(private readonly env: CloudEnv) {}

  async observe(read: Reader, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const out = new Map<string, Holding>();
    if (vips.length === 1) {
      const fip = await read(() => findFloatingIp(this.env, this.ids, vips[0]!, {}));
      out.set(vips[0]!.name, holdingOf(this.env, fip.server));
      return out;
    }
    const all = await read(() => this.env.client.listFloatingIps());
    for (const v of vips) out.set(v.name, holdingOf(this.env, matchByAddress(v, all).server));
    return out;
  }

  move(frame: MoveFrame, vip: Vip, to: NodeSpec): Promise<MoveOutcome> {
    return moveFloatingIp(this.env, this.ids, vip, to, frame);
  }
}
