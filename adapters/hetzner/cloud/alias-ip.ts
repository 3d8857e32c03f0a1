import type { Logger } from 'pino';
import type { NodeSpec, Vip } from '../../../core/config/model';
import type { Holding } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { retryableReason } from '../../../lib/retry';
import type { CallOptions } from './client';
import { hetznerCloudShouldRetry } from './errors';
import { holdingOf, type CloudEnv } from './floating-ip';
import type { KeyedLock } from '../../../lib/keyed-lock';
import type { KindHandler } from '../../provider-kit/kinds';
import type { MoveFrame, MoveOutcome, Reader } from '../frame';
import type { Server } from './schemas';

export interface AliasEnv extends CloudEnv {
  /**
   * One writer per server: the alias-IP call replaces a server's whole list, so two moves writing to
   * one server must not interleave read and write, or the later write drops the earlier one's
   * address. It serialises our own writers only, which is why every write is read back.
   */
  locks: KeyedLock;
  logger: Logger;
  /** Network ids of the configured nodes: where an alias VIP without its own networkId may live. */
  nodeNetworks: ReadonlySet<number>;
}

/** The alias lists of one server on one network, or undefined when the server is not attached to it. */
export function aliasesOn(server: Server, network: number): readonly string[] | undefined {
  return server.private_net.find((n) => n.network === network)?.alias_ips;
}

/** Networks an alias VIP may live on: its own, else any node's. */
export function candidateNetworks(env: AliasEnv, vip: Vip): ReadonlySet<number> {
  return vip.hetzner?.networkId !== undefined ? new Set([vip.hetzner.networkId]) : env.nodeNetworks;
}

/** Who carries the alias, from one list of the project's servers. Two holders cannot happen in one network; across networks, ours comes first. */
export function aliasHolding(env: AliasEnv, vip: Vip, servers: readonly Server[]): Holding {
  const ip = aliasAddress(vip);
  const networks = candidateNetworks(env, vip);
  const holders = servers.filter((s) => s.private_net.some((n) => networks.has(n.network) && n.alias_ips.includes(ip)));
  const ours = holders.filter((s) => env.nodeOf(s.id) !== undefined);
  const first = ours[0] ?? holders[0];
  const holding = holdingOf(env, first?.id ?? null);
  const others = holders.filter((s) => s !== first).map((s) => `server ${s.id}`);
  return others.length > 0 ? { ...holding, foreign: [holding.foreign, ...others].filter(Boolean).join(', ') } : holding;
}

function aliasAddress(vip: Vip): string {
  if (!vip.ip || vip.ip.family !== 4)
    throw new ProviderError('invalid', `VIP ${vip.name}: alias IPs are IPv4 addresses`, { code: 'invalid_argument' });
  return vip.ip.text;
}

/**
 * Moves an alias IP: remove it from whoever holds it, then add it on the target (the API refuses an
 * address another server holds, so there is a gap, reported as gapMs). Each write replaces the
 * server's WHOLE list, so it is a read-modify-write under a per-server lock, read back before the
 * lock is released. The target is checked before anything is removed, so a move that cannot
 * succeed changes nothing; an add that fails after a removal puts the address back.
 */
export async function moveAliasIp(env: AliasEnv, vip: Vip, to: NodeSpec, frame: MoveFrame): Promise<MoveOutcome> {
  const ip = aliasAddress(vip);
  const target = to.hetzner?.serverId;
  const network = vip.hetzner?.networkId ?? to.hetzner?.networkId;
  if (target === undefined || network === undefined) {
    throw new ProviderError(
      'invalid',
      `node ${to.id} needs hetzner.serverId and a network (VIP or node hetzner.networkId) to carry ${vip.name}`,
      { code: 'invalid_argument' },
    );
  }
  const opts: CallOptions = { calls: frame.calls, signal: frame.signal };
  const servers = await frame.retry(() => env.client.listServers(opts), retryableReason);
  const targetServer = servers.find((s) => s.id === target);
  if (!targetServer)
    throw new ProviderError('not-found', `server ${target} (node ${to.id}) does not exist in the project`, {
      code: 'not_found',
    });
  if (!aliasesOn(targetServer, network)) {
    await frame.retry(() => env.client.getNetwork(network, opts), retryableReason); // an unknown network is not-found, not invalid
    throw new ProviderError(
      'invalid',
      `server ${target} (node ${to.id}) is not attached to network ${network}, so it cannot carry ${ip}`,
      { code: 'not_attached' },
    );
  }
  const holders = servers.filter((s) => aliasesOn(s, network)?.includes(ip)).map((s) => s.id);
  const others = holders.filter((id) => id !== target);
  if (holders.includes(target) && others.length === 0)
    return { changed: false, verifiedAt: frame.clock.now(), detail: `${ip} is already on server ${target}` };

  let removedAt: number | undefined;
  for (const holder of others) {
    if (
      await writeAliases(env, frame, holder, network, (list) =>
        list.includes(ip) ? list.filter((a) => a !== ip) : undefined,
      )
    )
      removedAt = frame.clock.now();
  }
  try {
    await writeAliases(env, frame, target, network, (list) => (list.includes(ip) ? undefined : [...list, ip]));
  } catch (err) {
    await putBack(env, frame, vip, ip, network, others, err);
    throw err;
  }
  const now = frame.clock.now();
  return { changed: true, verifiedAt: now, ...(removedAt === undefined ? {} : { gapMs: now - removedAt }) };
}

/**
 * One read-modify-write of a server's alias list on `network`: `change` returns the new list, or
 * undefined when nothing needs writing. Returns whether it wrote. Reads fresh on every attempt,
 * and reads back until the API shows the written list (a later writer then reads it, lag or not).
 */
async function writeAliases(
  env: AliasEnv,
  frame: MoveFrame,
  serverId: number,
  network: number,
  change: (list: readonly string[]) => string[] | undefined,
): Promise<boolean> {
  const opts: CallOptions = { calls: frame.calls, signal: frame.signal };
  const read = async (): Promise<readonly string[]> => {
    const list = aliasesOn(await env.client.getServer(serverId, opts), network);
    if (!list)
      throw new ProviderError('invalid', `server ${serverId} is not attached to network ${network}`, {
        code: 'not_attached',
      });
    return list;
  };
  return env.locks.run(`${serverId}`, async () => {
    let before: readonly string[] = [];
    const written = await frame.retry(async () => {
      before = await read();
      const next = change(before);
      if (!next) return undefined;
      const action = await env.client.changeAliasIps(serverId, network, next, opts);
      await env.client.waitForAction(action, {
        deadlineMs: Math.max(1, frame.deadline - frame.clock.now()),
        pollMs: env.actionPollMs,
        ...opts,
      });
      return next;
    }, hetznerCloudShouldRetry);
    if (!written) return false;
    await frame.poll(
      `alias IPs of server ${serverId} on network ${network}`,
      read,
      (list) => {
        if (sameSet(list, written)) return 'done';
        if (sameSet(list, before)) return 'wait';
        return { conflict: `the list changed under us to [${list.join(', ')}]` };
      },
      retryableReason,
    );
    return true;
  });
}

/** After a failed add: if nobody holds the address now, give it back to where it was. Best effort, within the deadline. */
async function putBack(
  env: AliasEnv,
  frame: MoveFrame,
  vip: Vip,
  ip: string,
  network: number,
  previous: readonly number[],
  cause: unknown,
): Promise<void> {
  const home = previous[0];
  if (home === undefined) return;
  try {
    const servers = await env.client.listServers({ calls: frame.calls, signal: frame.signal });
    if (servers.some((s) => aliasesOn(s, network)?.includes(ip))) return;
    await writeAliases(env, frame, home, network, (list) => (list.includes(ip) ? undefined : [...list, ip]));
    env.logger.warn(
      { vip: vip.name, server: home, cause: String(cause) },
      'alias IP add failed; put the address back where it was',
    );
  } catch (err) {
    env.logger.error(
      { vip: vip.name, server: home, cause: String(cause), err: String(err) },
      'alias IP add failed and putting it back failed too: the address has no holder',
    );
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * `hetzner-alias-ip`: an alias IP on the owner's server in a private network. Observe: one paged
 * list of the project's servers for every alias VIP; an alias nobody holds makes sure its network
 * exists (a config naming a missing network is loud, not "nobody").
 */
export class AliasIpKind implements KindHandler<MoveFrame, Reader> {
  readonly kind = 'hetzner-alias-ip' as const;

  constructor(private readonly env: AliasEnv) {}

  async observe(read: Reader, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const servers = await read(() => this.env.client.listServers());
    const out = new Map<string, Holding>();
    for (const v of vips) {
      const holding = aliasHolding(this.env, v, servers);
      const network = v.hetzner?.networkId;
      if (holding.node === null && !holding.foreign && network !== undefined)
        await read(() => this.env.client.getNetwork(network));
      out.set(v.name, holding);
    }
    return out;
  }

  /** Logs with the move's logger (VIP, target and epoch bound), not the provider's. */
  move(frame: MoveFrame, vip: Vip, to: NodeSpec): Promise<MoveOutcome> {
    return moveAliasIp({ ...this.env, logger: frame.logger }, vip, to, frame);
  }
}
