import pino, { type Logger } from 'pino';
import { createAddressWatch, type AddressWatch } from './address-watch';
import { createResponderWatch, roundWindowMs, type ResponderWatch } from './arp-watch';
import { bridgeNetns, labMembers, newLabPrefix, type LabMember } from './names';
import { startNdWatch } from './nd-watch';
import { spawnInNetns, waitForLine, type LabProcess } from './process';
import { attachProber, resolveProberOptions, type Prober, type ProberOptions } from './prober';
import { must, netnsRunner, type LabCommandResult, type LabRunner } from './run';
import { buildLabScripts, type LabScripts } from './scripts';
import { claimLab, cleanupStale, releaseLab } from './stale';
import { labPrivilege, type LabPrivilege } from './userns';
import { buildSegment, CUT_BRIDGE, MAIN_BRIDGE, removeNetns, teardownOrder } from './topology';

export interface LabOptions {
  /** Host namespaces h1..hN (1..50). */
  hosts: number;
  /** Names' prefix ("ipf" + 4 of [a-z0-9]); random by default, so labs can run side by side. */
  prefix?: string;
  /** The responders' UDP and TCP port in every host (each namespace has its own ports). */
  responderPort?: number;
  /** Start a responder in every host (default true). */
  responders?: boolean;
  /** Remove leftovers of crashed runs (labs whose owner process is gone) first; default true. */
  cleanStale?: boolean;
  logger?: Logger;
}

export interface WatchOptions {
  /** The watch stops by itself after this long (arping: whole seconds, rounded up). */
  durationMs: number;
  /** IPv4: arping processes, staggered; each asks once a second (its minimum), so 4 → every 250 ms. */
  processes?: number;
}

const DEFAULT_PORT = 7007;

/**
 * A LAN on one machine: a bridge namespace, host namespaces h1..hN (eth0 198.18.0.(10+i)/24 and
 * 2001:db8::(10+i)/64), a client (.200) that probes and an observer (.201) that watches ARP. The
 * observer is separate from the client on purpose: arping's replies would otherwise refresh the
 * client's own neighbour cache every second and hide the outage a real client would see.
 */
export class Lab {
  readonly hosts: readonly LabMember[];
  readonly client: LabMember;
  readonly observer: LabMember;
  private readonly processes = new Set<LabProcess>();
  private readonly responders = new Map<string, LabProcess>();
  private readonly byName = new Map<string, LabMember>();
  private partitioned = new Set<string>();
  private destroyed = false;
  private readonly run: LabRunner;

  private constructor(
    readonly prefix: string,
    members: ReturnType<typeof labMembers>,
    readonly responderPort: number,
    private readonly scripts: LabScripts,
    private readonly logger: Logger,
    private readonly privilege: LabPrivilege,
  ) {
    this.run = privilege.run;
    this.hosts = members.hosts;
    this.client = members.client;
    this.observer = members.observer;
    for (const m of [...members.hosts, members.client, members.observer]) this.byName.set(m.name, m);
  }

  static async create(options: LabOptions): Promise<Lab> {
    const logger = options.logger ?? pino({ enabled: false });
    // Root, or an unprivileged user namespace of its own; otherwise one line saying what to enable.
    const privilege = await labPrivilege();
    const run = privilege.run;
    // A user-namespace lab sees only its own (fresh) /run/netns: nothing stale to find there.
    if (options.cleanStale !== false && privilege.kind === 'root') {
      const removed = await cleanupStale(undefined, run);
      if (removed.length > 0) logger.warn({ removed }, 'removed namespaces of crashed lab runs');
    }
    const prefix = options.prefix ?? newLabPrefix();
    const members = labMembers(prefix, options.hosts);
    const dir = claimLab(prefix);
    const all = [...members.hosts, members.client, members.observer];
    try {
      const [scripts] = await Promise.all([buildLabScripts(dir), buildSegment(prefix, all, run)]);
      const lab = new Lab(prefix, members, options.responderPort ?? DEFAULT_PORT, scripts, logger, privilege);
      if (options.responders !== false) await Promise.all(members.hosts.map((h) => lab.startResponder(h.name)));
      logger.info({ prefix, hosts: members.hosts.length }, 'lab up');
      return lab;
    } catch (err) {
      await removeNetns(teardownOrder(prefix, all), run).catch(() => []);
      releaseLab(prefix);
      await privilege.close();
      throw err;
    }
  }

  /** 'root', or 'userns' when an ordinary user's lab runs inside a user namespace of its own. */
  get privilegeKind(): LabPrivilege['kind'] {
    return this.privilege.kind;
  }

  member(name: string): LabMember {
    const m = this.byName.get(name);
    if (!m) throw new Error(`no lab member "${name}" (have ${[...this.byName.keys()].join(', ')})`);
    return m;
  }

  /** A runner whose commands run in that member's namespace (same shape as agent/hostnet's). */
  runner(name: string): LabRunner {
    return netnsRunner(this.member(name).netns, this.run);
  }

  exec(name: string, file: string, args: readonly string[], opts?: { timeoutMs?: number }): Promise<LabCommandResult> {
    return this.runner(name)(file, args, opts);
  }

  /** A long-lived program in a member's namespace; killed at destroy() whatever state it is in. */
  spawn(name: string, file: string, args: readonly string[]): LabProcess {
    if (this.destroyed) throw new Error(`lab ${this.prefix} is destroyed`);
    const proc = spawnInNetns(name, this.member(name).netns, file, args, this.privilege.enter);
    this.processes.add(proc);
    void proc.exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** Starts the UDP/TCP responder in a host (again, after it was killed); resolves once it listens. */
  async startResponder(name: string): Promise<LabProcess> {
    const running = this.responders.get(name);
    if (running && !running.done) return running;
    const proc = this.spawn(name, process.execPath, [this.scripts.responder, name, String(this.responderPort)]);
    this.responders.set(name, proc);
    await waitForLine(proc, (l) => (l.startsWith('ready ') ? true : undefined), 15_000);
    return proc;
  }

  /** A host's responder, e.g. to kill or stop it (the service dies, the host stays). */
  responder(name: string): LabProcess | undefined {
    return this.responders.get(name);
  }

  /** The member holds the bridge-side veth down: it vanishes from the segment (and sees no carrier). */
  async linkDown(name: string): Promise<void> {
    await must(this.run, 'ip', ['-n', bridgeNetns(this.prefix), 'link', 'set', this.member(name).bridgePort, 'down']);
  }

  async linkUp(name: string): Promise<void> {
    await must(this.run, 'ip', ['-n', bridgeNetns(this.prefix), 'link', 'set', this.member(name).bridgePort, 'up']);
  }

  /**
   * Cuts the named members off from everyone else: their ports move to a second bridge, so they
   * still reach each other (a real split) and keep carrier, but nothing crosses between the sides.
   * Names may include "client" and "observer". Calling it again replaces the previous cut.
   */
  async partition(names: readonly string[]): Promise<void> {
    await this.heal();
    for (const name of names) {
      await must(this.run, 'ip', [
        '-n',
        bridgeNetns(this.prefix),
        'link',
        'set',
        this.member(name).bridgePort,
        'master',
        CUT_BRIDGE,
      ]);
      this.partitioned.add(name);
    }
  }

  async heal(): Promise<void> {
    for (const name of [...this.partitioned]) {
      await must(this.run, 'ip', [
        '-n',
        bridgeNetns(this.prefix),
        'link',
        'set',
        this.member(name).bridgePort,
        'master',
        MAIN_BRIDGE,
      ]);
      this.partitioned.delete(name);
    }
  }

  /** Probes `vip` from the client (or another member) until its deadline; see prober.ts. */
  async startProber(options: ProberOptions, from = 'client'): Promise<Prober> {
    const o = resolveProberOptions(options, this.responderPort);
    const proc = this.spawn(from, process.execPath, [this.scripts.probeClient, JSON.stringify(o)]);
    return attachProber(proc, o);
  }

  /**
   * Watches who answers for `vip`, from the observer: ARP with broadcast requests (arping -b) for
   * IPv4, neighbour solicitations (ndisc6 -m, one round every ~250 ms) for IPv6.
   */
  watchResponders(vip: string, options: WatchOptions): ResponderWatch {
    const macs = new Map([...this.byName.values()].map((m) => [m.mac, m.name]));
    if (vip.includes(':')) {
      const spawn = (file: string, args: string[]) => (this.destroyed ? undefined : this.spawn('observer', file, args));
      return startNdWatch(spawn, vip, (mac) => macs.get(mac), options.durationMs);
    }
    const seconds = String(Math.max(1, Math.ceil(options.durationMs / 1000)));
    const count = Math.max(1, Math.min(8, options.processes ?? 2));
    const watch = createResponderWatch(vip, (mac) => macs.get(mac), roundWindowMs(count));
    for (let i = 0; i < count; i++) {
      // Staggered starts, the reader first and now, so the watch covers the moment it was asked for.
      const start = () => {
        if (this.destroyed) return;
        const args = [...(i === 0 ? [] : ['-q']), '-b', '-w', seconds, '-I', 'eth0', vip];
        watch.attach(this.spawn('observer', 'arping', args), i === 0);
      };
      if (i === 0) start();
      else setTimeout(start, (1000 * i) / count).unref();
    }
    return watch;
  }

  /**
   * Follows every address change in the named hosts (all by default) as the kernel reports it
   * (`ip -o monitor address`): who holds a VIP at every instant, not only when ARP asks. Start it
   * before anything binds: what a host already carries is read once, after its monitor started.
   */
  async watchAddresses(names: readonly string[] = this.hosts.map((h) => h.name)): Promise<AddressWatch> {
    const watch = createAddressWatch(names);
    for (const name of names) watch.attach(name, this.spawn(name, 'ip', ['-o', 'monitor', 'address']));
    await Promise.all(
      names.map(async (name) => {
        const at = Date.now();
        const out = await must(this.runner(name), 'ip', ['-j', 'addr', 'show']);
        watch.seed(name, listedAddresses(out), at);
      }),
    );
    return watch;
  }

  /** Kills every process the lab started and removes every namespace. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.processes) p.kill('SIGKILL'); // SIGKILL reaches stopped processes too
    await Promise.race([
      Promise.all([...this.processes].map((p) => p.exited)),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
    const problems = await removeNetns(teardownOrder(this.prefix, [...this.byName.values()]), this.run);
    releaseLab(this.prefix);
    await this.privilege.close();
    if (problems.length > 0) throw new Error(`lab ${this.prefix}: could not remove ${problems.join('; ')}`);
    this.logger.info({ prefix: this.prefix }, 'lab destroyed');
  }
}

/** `ip -j addr show` → every address with its interface. */
function listedAddresses(json: string): Array<{ address: string; prefixLength: number; interface: string }> {
  const links = JSON.parse(json || '[]') as Array<{
    ifname?: string;
    addr_info?: Array<{ local?: string; prefixlen?: number }>;
  }>;
  return links.flatMap((l) =>
    (l.addr_info ?? [])
      .filter((a) => a.local !== undefined)
      .map((a) => ({ address: a.local!, prefixLength: a.prefixlen ?? 0, interface: l.ifname ?? '' })),
  );
}

export function createLab(options: LabOptions): Promise<Lab> {
  return Lab.create(options);
}
