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
  /** Also send to this group (and join it), when set. */
  multicast?: string;
  /** Address to listen on (default all). */
  bind?: string;
  logger: Logger;
}

/**
 * Peer mode's transport: one UDP socket that sends every heartbeat envelope to every peer (and
 * to the multicast group) and hands every datagram it receives to `onDatagram`. UDP because a
 * late heartbeat is worthless: no retransmission, no head-of-line blocking, no connection state
 * to go stale when a peer dies. Sending never waits for anyone and never throws.
 */
export class UdpPeers implements HeartbeatTransport {
  readonly target: string;
  private readonly socket: Socket;
  private readonly targets: Array<{ host: string; port: number }>;
  private handler: ((datagram: Buffer, from: string) => void) | undefined;
  private closed = false;

  private constructor(private readonly options: UdpPeersOptions, socket: Socket) {
    this.socket = socket;
    const own = new Set(options.ownAddresses);
    this.targets = options.peers
      .map((p) => splitHostPort(p))
      .filter((t): t is { host: string; port: number } => t !== undefined && !(own.has(t.host) && t.port === options.port));
    if (options.multicast) this.targets.push({ host: options.multicast, port: options.port });
    this.target = `udp ${this.targets.map((t) => `${t.host}:${t.port}`).join(', ')}`;
    socket.on('message', (msg, rinfo) => this.handler?.(msg, `${rinfo.address}:${rinfo.port}`));
    socket.on('error', (err) => options.logger.error({ err: err.message }, `peer socket error: ${err.message}`));
  }

  static async open(options: UdpPeersOptions): Promise<UdpPeers> {
    const v6 = options.bind?.includes(':') ?? false;
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.bind, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (options.multicast) {
      socket.addMembership(options.multicast);
      socket.setMulticastLoopback(false);
    }
    return new UdpPeers(options, socket);
  }

  onDatagram(handler: (datagram: Buffer, from: string) => void): void {
    this.handler = handler;
  }

  send(envelope: string, _options: SendOptions): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ kind: 'failed', reason: 'unreachable', message: 'the peer socket is closed' });
    const started = performance.now();
    const data = Buffer.from(envelope);
    const failures: string[] = [];
    let pending = this.targets.length;
    if (pending === 0) return Promise.resolve({ kind: 'sent', rttMs: 0 });
    return new Promise((resolve) => {
      for (const t of this.targets) {
        this.socket.send(data, t.port, t.host, (err) => {
          if (err) failures.push(`${t.host}:${t.port}: ${err.message}`);
          if (--pending > 0) return;
          const rttMs = performance.now() - started;
          // One unreachable peer is normal (it is down); nothing reaching anyone is a failure.
          resolve(failures.length === this.targets.length ? { kind: 'failed', reason: 'unreachable', message: failures.join('; ') } : { kind: 'sent', rttMs });
        });
      }
    });
  }

  /** One datagram to each of `peers` (host:port), beyond the fixed targets; never waits, never throws. */
  sendTo(peers: readonly string[], envelope: string): void {
    if (this.closed) return;
    const data = Buffer.from(envelope);
    for (const p of peers) {
      const t = splitHostPort(p);
      if (!t) continue;
      this.socket.send(data, t.port, t.host, (err) => {
        if (err) this.options.logger.debug({ peer: p, err: err.message }, 'datagram not sent');
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
