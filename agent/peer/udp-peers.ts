import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { HeartbeatTransport, SendOptions, SendResult } from '../heartbeat/transport';
import { splitHostPort } from '../../core/config/primitives';

export interface UdpPeersOptions {
  /** Port this agent listens on (control.port). */
  port: number;
  /** Where to send: host:port of every peer (this node's own entries are skipped). */
  peers: readonly string[];
  /** This node's own addresses, to leave out of `peers`. */
  ownAddresses: readonly string[];
  /**
   * Who else may send here (host:port), beyond `peers`: the witness socket hears every node, not
   * only its witnesses. Nobody else is heard at all (see the class comment).
   */
  sources?: readonly string[];
  /** Also send to this group (and join it), when set. */
  multicast?: string;
  /** Address to listen on (default all). */
  bind?: string;
  /** Datagrams a second taken from one source; the rest are dropped unread (default 200, bursts of 50). */
  perSourceRate?: number;
  /** Milliseconds, for the rate limit (default performance.now). */
  now?: () => number;
  logger: Logger;
}

/** What one source's socket saw: the agent's /status shows it (a flood is visible, not silent). */
export interface SourceStats {
  source: string;
  /** Datagrams handed to the loop. */
  received: number;
  /** Datagrams over the source's rate, dropped before any parsing or cryptography. */
  limited: number;
  /** ICMP "port unreachable" from the source (its agent is down): normal, counted. */
  unreachable: number;
  /** Why this source has no socket (e.g. an IPv6 peer on an IPv4 socket), when it has none. */
  error?: string;
}

interface Channel {
  host: string;
  port: number;
  key: string;
  socket?: Socket;
  error?: string;
  tokens: number;
  refilledAt: number;
  stats: SourceStats;
}

const BURST = 50;

/**
 * Peer mode's (and witnessed liveness's) transport. UDP because a late heartbeat is worthless: no
 * retransmission, no head-of-line blocking, no connection state to go stale when a peer dies.
 * Sending never waits for anyone and never throws.
 *
 * One socket per peer, each bound to the same port and connected to that peer's address and port
 * (issue 17, finding 3). The kernel delivers a datagram only to the socket whose peer sent it, so a
 * flood from any other address is dropped by the kernel before it costs this process anything:
 * it fills no queue a peer's heartbeat waits in, wakes no event loop, and reaches no parser. A flood
 * with a peer's spoofed source fills only that peer's socket, and its rate limit drops the excess
 * unread, so the other peers' heartbeats (and the quorum they make) still get through. Each queue
 * keeps the kernel's default size on purpose: a bigger one would only let heartbeats wait longer
 * behind spoofed junk, and be read later than they arrived (docs/peer-mode.md, rule 6).
 */
export class UdpPeers implements HeartbeatTransport {
  readonly target: string;
  private readonly targets: Channel[];
  private readonly channels: Map<string, Channel>;
  private readonly now: () => number;
  private readonly rate: number;
  private handler: ((datagram: Buffer, from: string) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly options: UdpPeersOptions,
    channels: Map<string, Channel>,
    targets: Channel[],
  ) {
    this.channels = channels;
    this.targets = targets;
    this.now = options.now ?? (() => performance.now());
    this.rate = options.perSourceRate ?? 200;
    this.target = `udp ${targets.map((t) => `${t.host}:${t.port}`).join(', ')}`;
    for (const c of channels.values()) this.listen(c);
  }

  static async open(options: UdpPeersOptions): Promise<UdpPeers> {
    const own = new Set(options.ownAddresses);
    const endpoints = (list: readonly string[]) =>
      list
        .map((p) => splitHostPort(p))
        .filter(
          (t): t is { host: string; port: number } => t !== undefined && !(own.has(t.host) && t.port === options.port),
        );
    const targets = endpoints(options.peers);
    if (options.multicast) targets.push({ host: options.multicast, port: options.port });
    const channels = new Map<string, Channel>();
    const started = options.now?.() ?? performance.now();
    for (const e of [...targets, ...endpoints(options.sources ?? [])]) {
      const key = keyOf(e.host, e.port);
      if (!channels.has(key))
        channels.set(key, {
          ...e,
          key,
          tokens: BURST,
          refilledAt: started,
          stats: { source: `${e.host}:${e.port}`, received: 0, limited: 0, unreachable: 0 },
        });
    }
    try {
      for (const c of channels.values()) await connect(c, options);
    } catch (err) {
      await Promise.all([...channels.values()].map((c) => closeSocket(c.socket)));
      throw err;
    }
    const unusable = [...channels.values()].filter((c) => c.error);
    if (unusable.length)
      options.logger.warn(
        { peers: unusable.map((c) => `${c.stats.source}: ${c.error}`) },
        'some peers have no socket: nothing is sent to or heard from them',
      );
    return new UdpPeers(
      options,
      channels,
      targets.map((t) => channels.get(keyOf(t.host, t.port))!),
    );
  }

  onDatagram(handler: (datagram: Buffer, from: string) => void): void {
    this.handler = handler;
  }

  /** Per source: what was handed on, what was over its rate, how often it was unreachable. */
  stats(): SourceStats[] {
    return [...this.channels.values()].map((c) => ({ ...c.stats }));
  }

  send(envelope: string, _options: SendOptions): Promise<SendResult> {
    if (this.closed)
      return Promise.resolve({ kind: 'failed', reason: 'unreachable', message: 'the peer socket is closed' });
    const started = performance.now();
    const data = Buffer.from(envelope);
    const failures: string[] = [];
    let pending = this.targets.length;
    if (pending === 0) return Promise.resolve({ kind: 'sent', rttMs: 0 });
    return new Promise((resolve) => {
      const done = (t: Channel, err: string | undefined): void => {
        if (err) failures.push(`${t.host}:${t.port}: ${err}`);
        if (--pending > 0) return;
        // One unreachable peer is normal (it is down); nothing reaching anyone is a failure.
        resolve(
          failures.length === this.targets.length
            ? { kind: 'failed', reason: 'unreachable', message: failures.join('; ') }
            : { kind: 'sent', rttMs: performance.now() - started },
        );
      };
      for (const t of this.targets) {
        if (!t.socket) done(t, t.error ?? 'no socket');
        else t.socket.send(data, (err) => done(t, err?.message));
      }
    });
  }

  /** One datagram to each of `peers` (host:port) this transport has a socket for; never waits, never throws. */
  sendTo(peers: readonly string[], envelope: string): void {
    if (this.closed) return;
    const data = Buffer.from(envelope);
    for (const p of peers) {
      const t = splitHostPort(p);
      const c = t && this.channels.get(keyOf(t.host, t.port));
      if (!c?.socket) {
        this.options.logger.debug({ peer: p }, 'datagram not sent: no socket for that peer');
        continue;
      }
      c.socket.send(data, (err) => {
        if (err) this.options.logger.debug({ peer: p, err: err.message }, 'datagram not sent');
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.channels.values()].map((c) => closeSocket(c.socket)));
  }

  private listen(c: Channel): void {
    const log = this.options.logger;
    c.socket?.on('message', (msg, rinfo) => {
      if (!this.take(c)) {
        // Counted, logged once per source: a flood must not become a flood of log lines.
        if (++c.stats.limited === 1)
          log.warn(
            { source: c.stats.source, perSecond: this.rate },
            `peer source over its rate: ${c.stats.source}; the excess is dropped unread`,
          );
        return;
      }
      c.stats.received++;
      this.handler?.(msg, `${rinfo.address}:${rinfo.port}`);
    });
    c.socket?.on('error', (err: NodeJS.ErrnoException) => {
      // A connected socket hears ICMP "port unreachable" as ECONNREFUSED: that peer's agent is down.
      if (err.code === 'ECONNREFUSED') {
        if (++c.stats.unreachable === 1)
          log.info({ peer: c.stats.source }, `peer ${c.stats.source} unreachable (its port is closed)`);
        return;
      }
      log.error({ peer: c.stats.source, err: err.message }, `peer socket error: ${err.message}`);
    });
  }

  /** Token bucket per source: `rate` a second, bursts of BURST. */
  private take(c: Channel): boolean {
    const now = this.now();
    c.tokens = Math.min(BURST, c.tokens + ((now - c.refilledAt) / 1000) * this.rate);
    c.refilledAt = now;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }
}

function keyOf(host: string, port: number): string {
  return `${host.toLowerCase()}|${port}`;
}

/**
 * Binds the channel's socket to the shared port and connects it to its peer. A peer that cannot be
 * connected to (an IPv6 peer on an IPv4 socket, a name that does not resolve) keeps the reason, and
 * every send to it fails with it; a port that cannot be bound fails the whole open.
 */
async function connect(c: Channel, o: UdpPeersOptions): Promise<void> {
  const v6 = o.bind?.includes(':') ?? false;
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port, o.bind, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const error = await new Promise<string | undefined>((resolve) => {
    const fail = (err: Error) => resolve(err.message);
    socket.once('error', fail);
    socket.connect(c.port, c.host, (err?: Error) => {
      socket.off('error', fail);
      resolve(err?.message);
    });
  });
  if (error !== undefined) {
    c.error = error;
    await closeSocket(socket);
    return;
  }
  if (o.multicast) {
    socket.addMembership(o.multicast);
    socket.setMulticastLoopback(false);
  }
  c.socket = socket;
}

function closeSocket(socket: Socket | undefined): Promise<void> {
  if (!socket) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
