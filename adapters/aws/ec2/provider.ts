import pino, { type Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { canCarry, type NodeSpec, type Vip, type VipKind } from '../../../core/config';
import type { Budget, Holding, MoveContext, MoveResult, Provider } from '../../../core/ports';
import { systemClock } from '../../../lib/clock';
import { Ec2Api } from './api';
import { createEc2Client, DEFAULT_REQUEST_TIMEOUT_MS, type Ec2ClientOptions, type Ec2Sender } from './client';
import { ElasticIpKind } from './elastic-ip';
import { classifyEc2Error } from './errors';
import { runMove, runRead, type Frame, type FrameOptions } from '../frame';
import { KindTable, refusalOf } from '../../provider-kit/kinds';
import { KeyedLock } from '../../../lib/keyed-lock';
import { EniDirectory } from './nodes';
import { OverlayRouteKind, sourceDestMessage } from './overlay-route';
import { SecondaryIpKind } from './secondary-ip';
import { ThrottleWatch } from '../throttle-watch';

export const EC2_KINDS = [
  'aws-secondary-ip',
  'aws-elastic-ip',
  'aws-overlay-route',
] as const satisfies readonly VipKind[];
export type Ec2VipKind = (typeof EC2_KINDS)[number];

export interface Ec2ProviderOptions extends Ec2ClientOptions {
  /** The config's nodes: their `aws.eni` is how a holder is recognised. */
  nodes: readonly NodeSpec[];
  /** Default: createEc2Client(options). */
  client?: Ec2Sender;
  /** Which kinds this instance serves. Default all three. */
  kinds?: readonly Ec2VipKind[];
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  /** First pause between verification reads (doubling up to pollMaxMs). Default 200 ms. */
  pollMs?: number;
  /** Default 2 s. */
  pollMaxMs?: number;
  /** Deadline of one observe. Default 10 s. */
  observeTimeoutMs?: number;
}

/**
 * The EC2 provider: secondary private IPs (IPv4 reassigned atomically, IPv6 unassigned then
 * assigned), Elastic IPs and overlay routes, through the real EC2 API. Moves of one VIP are
 * serialised within an instance, so two overlapping moves end with one holder instead of a split;
 * across processes the control loop's epoch (compare-and-set) keeps moves of a VIP apart.
 */
export class Ec2Provider implements Provider {
  readonly name = 'aws-ec2';
  readonly kinds: readonly Ec2VipKind[];
  /** One handler per kind served, in `kinds` order: the shape every provider has (adapters/README.md). */
  private readonly table: KindTable<Frame>;
  private readonly frame: FrameOptions;
  private readonly throttles: ThrottleWatch;
  private readonly lock = new KeyedLock();
  private readonly observeTimeoutMs: number;
  private readonly nodes: readonly NodeSpec[];
  private readonly api: Ec2Api;
  /** Set when this instance made its own client, which `close` then releases. */
  private readonly ownClient?: { destroy(): void };

  constructor(options: Ec2ProviderOptions) {
    const clock = options.clock ?? systemClock;
    this.kinds = options.kinds ?? EC2_KINDS;
    this.throttles = new ThrottleWatch(() => clock.now());
    this.observeTimeoutMs = options.observeTimeoutMs ?? 10_000;
    this.frame = {
      clock,
      logger: options.logger ?? pino({ enabled: false }),
      classify: classifyEc2Error,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      pollMs: options.pollMs ?? 200,
      pollMaxMs: options.pollMaxMs ?? 2000,
      onThrottle: (at) => this.throttles.record(at),
      ...(options.random ? { random: options.random } : {}),
    };
    const client = options.client ?? createEc2Client(options);
    if (!options.client) this.ownClient = client as unknown as { destroy(): void };
    this.nodes = options.nodes;
    this.api = new Ec2Api(client);
    const deps = { api: this.api, enis: new EniDirectory(options.nodes) };
    const handlers = {
      'aws-secondary-ip': new SecondaryIpKind(deps),
      'aws-elastic-ip': new ElasticIpKind(deps),
      'aws-overlay-route': new OverlayRouteKind(deps),
    };
    this.table = new KindTable<Frame>(this.kinds.map((k) => handlers[k]));
  }

  /** Reads EC2's truth for every VIP of our kinds (others are left out); throws a ProviderError. */
  async observe(vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const { value } = await runRead(this.frame, this.observeTimeoutMs, (f) => this.table.observe(f, vips));
    return value;
  }

  /**
   * Overlay routes whose possible owners have source/destination check on: a failover there would
   * succeed and carry nothing. One DescribeNetworkInterfaces for all their interfaces.
   */
  async diagnose(vips: readonly Vip[]): Promise<Array<{ vip: string; nodes: string[]; message: string }>> {
    if (!this.kinds.includes('aws-overlay-route')) return [];
    const overlays = vips.filter((v) => v.kind === 'aws-overlay-route');
    const candidates = overlays.map((v) => ({ vip: v, nodes: this.nodes.filter((n) => n.aws?.eni && canCarry(v, n)) }));
    const enis = [...new Set(candidates.flatMap((c) => c.nodes.map((n) => n.aws!.eni!)))];
    if (enis.length === 0) return [];
    const { value: checks } = await runRead(this.frame, this.observeTimeoutMs, (f) =>
      this.api.sourceDestChecks(f, enis),
    );
    return candidates.flatMap((c) =>
      c.nodes
        .filter((n) => checks.get(n.aws!.eni!) !== false)
        .map((n) => ({
          vip: c.vip.name,
          nodes: [n.id],
          message: `${c.vip.name}: ${sourceDestMessage(n.id, n.aws!.eni!, !checks.has(n.aws!.eni!))}`,
        })),
    );
  }

  async move(vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveResult> {
    const what = `move ${vip.name} to ${to.id}`;
    const handler = this.table.get(vip.kind);
    if (!handler)
      return {
        ok: false,
        reason: 'invalid',
        message: `${what}: kind ${vip.kind} is not served by ${this.name}`,
        calls: 0,
      };
    const refusal = refusalOf(handler, vip, to);
    if (refusal) return { ok: false, reason: 'invalid', message: `${what}: ${refusal}`, calls: 0 };
    return this.lock.run(vip.name, () => runMove(this.frame, ctx, what, (f) => handler.move(f, vip, to, ctx)));
  }

  /** EC2 publishes no limit: unknown, except for a cool-down after recent throttling. */
  budget(): Budget {
    return this.throttles.budget();
  }

  /** Releases the client's sockets when this instance created the client. */
  close(): void {
    this.ownClient?.destroy();
  }

  /** Throttled answers in the last minute. */
  recentThrottles(): number {
    return this.throttles.recent();
  }
}
