import pino, { type Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import type { Budget } from '../../../core/ports';
import type { FrameOptions } from '../frame';
import { KeyedLock } from '../../../lib/keyed-lock';
import { systemClock } from '../../../lib/clock';
import { Route53Api } from './api';
import { Route53Budget } from './budget';
import {
  createRoute53Client,
  DEFAULT_ROUTE53_REQUEST_TIMEOUT_MS,
  type Route53ClientOptions,
  type Route53Sender,
} from './client';
import { classifyRoute53Error } from './errors';
import { RequestPacer } from './pacer';

export interface Route53Options extends Route53ClientOptions {
  /** Default: createRoute53Client(options). */
  client?: Route53Sender;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  /** Between GetChange polls and read-backs, in fixed steps. Default 1 s. */
  pollMs?: number;
  /** Deadline of one observe. Default 10 s. */
  observeTimeoutMs?: number;
  /** The account's request rate (Route 53: 5 per second) and how many of each second moves keep. */
  requestsPerSecond?: number;
  reservedForMoves?: number;
}

/**
 * What the owner-record provider and the round-robin publisher share: one client, one request
 * budget (5 per second for the account), and one lock per record name, so two changes of one
 * record from this process never race (Route 53 would refuse the second while the first is
 * processed, and the loser's read-back would see the winner).
 */
export class Route53Core {
  /** Moves and publishing: may take every token. */
  readonly api: Route53Api;
  /** Observe and drift reads: leave the reserved tokens to moves. */
  readonly backgroundApi: Route53Api;
  readonly pacer: RequestPacer;
  readonly frame: FrameOptions;
  readonly lock = new KeyedLock();
  readonly rate: Route53Budget;
  readonly observeTimeoutMs: number;
  private readonly ownClient?: { destroy(): void };

  constructor(options: Route53Options = {}) {
    const clock = options.clock ?? systemClock;
    const client = options.client ?? createRoute53Client(options);
    if (!options.client) this.ownClient = client as unknown as { destroy(): void };
    this.pacer = new RequestPacer(clock, options.requestsPerSecond ?? 5, options.reservedForMoves ?? 2);
    this.api = new Route53Api(this.pacer.sender(client, 'move'));
    this.backgroundApi = new Route53Api(this.pacer.sender(client, 'background'));
    this.rate = new Route53Budget(() => clock.now(), this.pacer);
    this.observeTimeoutMs = options.observeTimeoutMs ?? 10_000;
    const pollMs = options.pollMs ?? 1000;
    this.frame = {
      clock,
      logger: options.logger ?? pino({ enabled: false }),
      classify: classifyRoute53Error,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_ROUTE53_REQUEST_TIMEOUT_MS,
      pollMs,
      pollMaxMs: pollMs,
      onThrottle: (at) => this.rate.throttled(at),
      ...(options.random ? { random: options.random } : {}),
    };
  }

  budget(): Budget {
    return this.rate.budget();
  }

  close(): void {
    this.ownClient?.destroy();
  }
}

/** The lock key of a record name in a zone. */
export function recordKey(zoneId: string, name: string): string {
  return `${zoneId.replace(/^\/hostedzone\//, '')}|${name.toLowerCase().replace(/\.$/, '')}`;
}
