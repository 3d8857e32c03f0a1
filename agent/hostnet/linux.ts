import pino, { type Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { AddressEvents, HostAddress, HostNet } from '../../core/ports';
import { systemClock } from '../../lib/clock';
import { CommandError, execFileRunner, formatCommand, type CommandResult, type CommandRunner } from './command';
import { monitorAddresses } from './address-monitor';
import { HostNetError, saysAlreadyAbsent, saysAlreadyPresent, toolError } from './errors';
import { parseIpAddrJson, type ConfiguredAddress } from './ip-json';
import { NeighbourAdvertiser, type NaTool } from './neighbour-advert';

export interface LinuxHostNetOptions {
  /** How commands run: on this host by default, or `inNetns(ns)` for a lab host. */
  run?: CommandRunner;
  clock?: Clock;
  logger?: Logger;
  /** Per command; `ip` answers in milliseconds, so a slow one means something is wrong. */
  timeoutMs?: number;
  /** Which program sends IPv6 neighbour advertisements ('auto': ndsend when installed, else python3). */
  naTool?: NaTool | 'auto';
  /** `ip` arguments that watch for address changes; a lab host passes `-n <netns> monitor address`. */
  monitorArgs?: readonly string[];
}

const DEFAULT_ANNOUNCE = { count: 1, intervalMs: 1000 };

/**
 * HostNet over iproute2, iputils arping and an NA sender. Every call is one or a few short-lived
 * commands; nothing is cached, so what `bound()` says is what the kernel has right now.
 */
export class LinuxHostNet implements HostNet {
  private readonly run: CommandRunner;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly na: NeighbourAdvertiser;
  readonly watch?: (events: AddressEvents) => { stop(): void };

  constructor(options: LinuxHostNetOptions = {}) {
    this.run = options.run ?? execFileRunner;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? pino({ enabled: false });
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.na = new NeighbourAdvertiser(this.run, options.naTool ?? 'auto');
    // Only where it watches the host the commands run on: commands run here, or told how.
    if (this.run === execFileRunner || options.monitorArgs)
      this.watch = (events) => monitorAddresses(events, options.monitorArgs);
  }

  async bound(interfaces: readonly string[]): Promise<Set<string>> {
    const { interfaces: present, addresses } = await this.addresses();
    const missing = interfaces.filter((i) => !present.has(i));
    if (missing.length > 0) throw new HostNetError('not-found', `no such interface: ${missing.join(', ')}`);
    const wanted = new Set(interfaces);
    return new Set(addresses.filter((a) => wanted.has(a.interface) && !a.dadFailed).map((a) => a.address));
  }

  async bind(addr: HostAddress): Promise<void> {
    // nodad: the address is usable at once instead of after ~1 s of duplicate address detection;
    // ownership is decided by ipferry, not by DAD.
    const args = ['addr', 'add', cidr(addr), 'dev', addr.interface, ...(addr.family === 6 ? ['nodad'] : [])];
    const result = await this.ip(args);
    if (result.code === 0) {
      this.logger.info({ address: cidr(addr), interface: addr.interface }, 'bound');
      return;
    }
    if (!saysAlreadyPresent(result.stderr))
      throw toolError(`bind ${cidr(addr)} on ${addr.interface}`, formatCommand('ip', args), result);
    await this.expectExactly(addr, 'bind');
    this.logger.debug({ address: cidr(addr), interface: addr.interface }, 'already bound');
  }

  async unbind(addr: HostAddress): Promise<void> {
    const args = ['addr', 'del', cidr(addr), 'dev', addr.interface];
    const result = await this.ip(args);
    if (result.code === 0) {
      this.logger.info({ address: cidr(addr), interface: addr.interface }, 'unbound');
      return;
    }
    if (!saysAlreadyAbsent(result.stderr))
      throw toolError(`unbind ${cidr(addr)} from ${addr.interface}`, formatCommand('ip', args), result);
    // "not found" also means "there, but with another prefix length": that is not ours to remove.
    const other = (await this.addresses()).addresses.find(
      (a) => a.interface === addr.interface && a.address === addr.address,
    );
    if (other) {
      throw new HostNetError(
        'conflict',
        `unbind ${cidr(addr)}: ${addr.interface} holds it as /${other.prefixLength}, not removing it`,
      );
    }
    this.logger.debug({ address: cidr(addr), interface: addr.interface }, 'already unbound');
  }

  /**
   * Sends `count` announcements `intervalMs` apart, one short-lived process each. One process per
   * packet because iputils arping takes its interval in whole seconds only (`-i 0.2` is refused, and
   * `-i 0` never sends a second packet) and lingers one interval after its last packet; a process
   * sending later packets could also outlive the ownership it announces.
   */
  async announce(addr: HostAddress, opts: { count?: number; intervalMs?: number } = {}): Promise<void> {
    const count = Math.max(1, Math.floor(opts.count ?? DEFAULT_ANNOUNCE.count));
    const intervalMs = Math.max(0, opts.intervalMs ?? DEFAULT_ANNOUNCE.intervalMs);
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < count; i++) {
      if (i > 0) await this.clock.sleep(intervalMs);
      sends.push(this.announceOnce(addr));
    }
    const results = await Promise.allSettled(sends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The program that sends IPv6 advertisements, once the first one went out. */
  get naTool(): NaTool | undefined {
    return this.na.using;
  }

  private async announceOnce(addr: HostAddress): Promise<void> {
    if (addr.family === 6) {
      let sent: Awaited<ReturnType<NeighbourAdvertiser['send']>>;
      try {
        sent = await this.na.send(addr.address, addr.interface, this.timeoutMs);
      } catch (err) {
        throw new HostNetError(
          'transient',
          `announce ${addr.address} on ${addr.interface}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const { command, result } = sent;
      if (result.code !== 0) throw toolError(`announce ${addr.address} on ${addr.interface}`, command, result);
      return;
    }
    // -U: gratuitous ARP *request* (sender = target = the address, broadcast). Requests are what
    // RFC 5227 announcements use and what every stack updates its cache from; -A (replies) is ignored
    // by some devices. -c 1: exactly one packet (arping still waits one second before it exits).
    const args = ['-U', '-c', '1', '-I', addr.interface, addr.address];
    const result = await this.command('arping', args);
    if (result.code !== 0)
      throw toolError(`announce ${addr.address} on ${addr.interface}`, formatCommand('arping', args), result);
  }

  private async addresses(): Promise<{ interfaces: Set<string>; addresses: ConfiguredAddress[] }> {
    const args = ['-j', 'addr', 'show'];
    const result = await this.ip(args);
    if (result.code !== 0) throw toolError('list addresses', formatCommand('ip', args), result);
    try {
      return parseIpAddrJson(result.stdout);
    } catch (err) {
      throw new HostNetError('transient', (err as Error).message, { command: formatCommand('ip', args), cause: err });
    }
  }

  /** After "already assigned": fine only when it is there with the prefix length asked for. */
  private async expectExactly(addr: HostAddress, op: string): Promise<void> {
    const found = (await this.addresses()).addresses.find(
      (a) => a.interface === addr.interface && a.address === addr.address,
    );
    if (found && found.prefixLength !== addr.prefixLength) {
      throw new HostNetError(
        'conflict',
        `${op} ${cidr(addr)}: ${addr.interface} already holds it as /${found.prefixLength}`,
      );
    }
  }

  private ip(args: string[]): Promise<CommandResult> {
    return this.command('ip', args);
  }

  private async command(file: string, args: string[]): Promise<CommandResult> {
    try {
      return await this.run(file, args, { timeoutMs: this.timeoutMs });
    } catch (err) {
      const reason = err instanceof CommandError && err.failure === 'spawn' ? 'invalid' : 'transient';
      throw new HostNetError(reason, (err as Error).message, { command: formatCommand(file, args), cause: err });
    }
  }
}

function cidr(addr: HostAddress): string {
  return `${addr.address}/${addr.prefixLength}`;
}
