import type { Clock } from '../../core/clock';
import { canonicalIp } from '../../core/ip';
import { Emulator, type EmulatorSettings } from '../common/emulator';
import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import { byProfile, DEFAULT_PROFILE, wallClock, type EmulatorProfile, type ProfileOptions } from '../common/profile';
import { RobotApiError } from './errors';
import {
  failoverOrThrow,
  getFailover,
  listFailovers,
  routeFailover,
  switchTo,
  unrouteFailover,
  type RobotContext,
} from './handlers';
import { RequestWindow } from './request-window';
import {
  DEFAULT_ROBOT_CREDENTIALS,
  DEFAULT_ROUTING_MS,
  DEFAULT_SWITCHES_PER_HOUR,
  REAL_READS_PER_HOUR,
  REAL_ROUTING_MS,
  type RobotSeed,
} from './seed';
import { RobotState, robotViolations } from './state';

const HOUR_MS = 3_600_000;
const DEFAULT_HANG_MS = 300_000;

interface RobotRoute {
  action: string;
  mutating: boolean;
  handle(ctx: RobotContext, ip: string, req: HttpRequest): HttpAnswer;
}

/**
 * An HTTP emulator of the Hetzner Robot web service's failover routes: GET /failover,
 * GET|POST|DELETE /failover/{ip}. HTTP Basic auth, form bodies, the 50 switches per hour limit
 * (403 RATE_LIMIT_EXCEEDED), routing that takes time (FAILOVER_LOCKED meanwhile), faults and lag.
 * Under the `real` profile a switch's POST answers only when routing is done (50 s, on the
 * emulator's clock), GETs are limited to 100 an hour, and a switch may answer
 * FAILOVER_NOT_COMPLETE (armed through `incompleteSwitches`) while routing goes on. Under `fast`
 * routing takes 1 s and the POST answers at once, reads show the new target when routing ends.
 * Extra admin routes:
 *   POST /__admin/route-failover     {"ip":"198.18.8.1","activeServerIp":"198.18.3.2"|null}  by hand, at once
 *   POST /__admin/exhaust-rate-limit {}   uses up the account's switches for the hour
 * and settings of its own on the shared route: POST /__admin/settings {"routingMs":N,"incompleteSwitches":K}.
 */
export class HetznerRobotEmulator extends Emulator {
  readonly state: RobotState;
  readonly switches: RequestWindow;
  readonly reads: RequestWindow | undefined;
  routingMs: number;
  readonly profile: EmulatorProfile;
  /** Whether a switch's POST holds the request until routing is done, as Robot's does. */
  readonly blockingSwitch: boolean;
  /** The next this many switches answer FAILOVER_NOT_COMPLETE (routing still completes). */
  incompleteSwitches = 0;
  private readonly clock: Clock;
  private readonly credentials: ReadonlySet<string>;

  /**
   * `now` is the old way to give a clock (rules only, no blocking waits); `options.clock` gives
   * both, and the real profile's blocking switch sleeps on it.
   */
  constructor(
    seed: RobotSeed,
    settings: Partial<EmulatorSettings> = {},
    now: () => number = Date.now,
    options: ProfileOptions = {},
  ) {
    const clock = options.clock ?? wallClock(now);
    super(settings, () => clock.now());
    this.clock = clock;
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.blockingSwitch = this.profile === 'real';
    this.state = new RobotState(seed);
    this.routingMs = seed.routingMs ?? byProfile(this.profile, { real: REAL_ROUTING_MS, fast: DEFAULT_ROUTING_MS });
    this.switches = new RequestWindow(seed.switchesPerHour ?? DEFAULT_SWITCHES_PER_HOUR, HOUR_MS, this.now);
    const reads =
      seed.readsPerHour === undefined
        ? byProfile<number | null>(this.profile, { real: REAL_READS_PER_HOUR, fast: null })
        : seed.readsPerHour;
    this.reads = reads === null ? undefined : new RequestWindow(reads, HOUR_MS, this.now);
    const creds = seed.credentials ?? [DEFAULT_ROBOT_CREDENTIALS];
    this.credentials = new Set(creds.map((c) => Buffer.from(`${c.user}:${c.password}`).toString('base64')));
    const bad = this.violations();
    if (bad.length > 0) throw new Error(`seed breaks the invariant: ${bad.join('; ')}`);
  }

  protected async serveApi(req: HttpRequest): Promise<HttpAnswer> {
    const matched = matchRoute(req);
    const action = matched?.route.action ?? `${req.method} ${req.path}`;
    await this.delay();
    let answer: HttpAnswer;
    let error: string | undefined;
    const startedAt = this.now();
    try {
      answer = this.answer(req, matched);
      if (answer.hangMs !== undefined) error = 'hang';
    } catch (err) {
      if (!(err instanceof RobotApiError)) throw err;
      answer = err.toAnswer();
      error = err.code;
    }
    const switched =
      matched?.route.mutating === true && answer.status >= 200 && answer.status < 300 && answer.hangMs === undefined;
    if (switched) this.checkInvariant();
    if (switched && this.blockingSwitch) {
      // Robot holds the request until routing is done: the answer comes back 40-60 s later.
      const incomplete = this.incompleteSwitches > 0;
      if (incomplete) this.incompleteSwitches--;
      // Answer no earlier than the route shows on our own clock: a timer may fire a wall
      // millisecond early, which a scaled clock turns into tens of ms, and a read right after
      // the answer then still saw the old route (a flaky real-profile test, issue #14).
      const routed = this.state.failovers.get(canonicalIp(matched.ip) ?? matched.ip)?.lockedUntil;
      const answerAt = incomplete || routed === undefined ? startedAt + this.routingMs : routed;
      for (let i = 0; i < 10 && this.now() < answerAt; i++) await this.clock.sleep(answerAt - this.now());
      if (incomplete) {
        const e = new RobotApiError(
          'FAILOVER_NOT_COMPLETE',
          `Due to an internal error switching of the failover IP address ${matched.ip} failed`,
        );
        answer = e.toAnswer();
        error = e.code;
      }
    }
    const status = answer.hangMs === undefined ? answer.status : 504;
    this.calls.record({
      at: startedAt,
      action,
      mutating: matched?.route.mutating ?? false,
      status,
      ...(error ? { error } : {}),
    });
    return answer;
  }

  private answer(req: HttpRequest, matched: { route: RobotRoute; ip: string } | undefined): HttpAnswer {
    if (!this.authorized(req)) throw new RobotApiError('UNAUTHORIZED', 'Unauthorized');
    if (!matched) throw new RobotApiError('NOT_FOUND', `no route ${req.method} ${req.path}`);
    const window = matched.route.mutating ? this.switches : this.reads;
    if (this.settings.throttling && window && !window.take()) throw this.rateLimited(window);
    const fault = this.takeFault(matched.route.action);
    if (fault?.kind === 'hang') return { status: 0, hangMs: fault.ms ?? DEFAULT_HANG_MS };
    if (fault?.kind === 'throttle') throw this.rateLimited(window ?? this.switches);
    if (fault?.kind === 'error') {
      const status = (fault as { status?: number }).status;
      throw new RobotApiError(
        matched.route.mutating ? 'FAILOVER_FAILED' : 'INTERNAL_ERROR',
        'internal error (injected)',
        {},
        status,
      );
    }
    return matched.route.handle(this.context(), matched.ip, req);
  }

  private rateLimited(window: RequestWindow): RobotApiError {
    return new RobotApiError('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded', {
      max_request: window.max,
      interval: window.intervalMs / 1000,
    });
  }

  private authorized(req: HttpRequest): boolean {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    return m !== null && this.credentials.has(m[1]!);
  }

  private context(): RobotContext {
    // A switch armed to answer FAILOVER_NOT_COMPLETE routes for two routing times: it is still
    // going on (locked, old target visible) when its POST gives up after one.
    const slow = this.blockingSwitch && this.incompleteSwitches > 0;
    return {
      state: this.state,
      now: this.now(),
      lagMs: this.settings.consistencyLagMs,
      routingMs: slow ? 2 * this.routingMs : this.routingMs,
    };
  }

  snapshot(): unknown {
    const now = this.now();
    return {
      failovers: [...this.state.failovers.values()].map((f) => ({
        ip: f.ip,
        serverNumber: f.server.number,
        activeServerIp: f.active.visible(now, 0),
        reservedActiveServerIp: f.active.current(),
        locked: now < f.lockedUntil,
      })),
      servers: [...this.state.servers.values()],
      switchesRemaining: this.switches.remaining,
    };
  }

  violations(): string[] {
    return robotViolations(this.state, this.now());
  }

  /** Route (or unroute, with null) a failover IP by hand, as in the Robot console: at once, same lock. */
  routeByHand(ip: string, activeServerIp: string | null): void {
    const ctx = { ...this.context(), routingMs: 0 };
    const f = failoverOrThrow(ctx, ip);
    if (activeServerIp !== null && !this.state.targetServer(f.family, activeServerIp)) {
      throw new RobotApiError('SERVER_NOT_FOUND', `server with ip ${activeServerIp} not found`);
    }
    switchTo(ctx, f, activeServerIp);
    this.checkInvariant();
  }

  protected override applyExtraSettings(input: Record<string, unknown>): Record<string, unknown> {
    if ('routingMs' in input) {
      const ms = input.routingMs;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
        throw new Error('routingMs must be a non-negative number');
      this.routingMs = ms;
    }
    if ('incompleteSwitches' in input) {
      const k = input.incompleteSwitches;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0)
        throw new Error('incompleteSwitches must be a non-negative integer');
      this.incompleteSwitches = k;
    }
    return { routingMs: this.routingMs, incompleteSwitches: this.incompleteSwitches, profile: this.profile };
  }

  protected override async adminExtra(req: HttpRequest): Promise<HttpAnswer | undefined> {
    const body = (): Record<string, unknown> =>
      JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
    try {
      switch (`${req.method} ${req.path}`) {
        case 'POST /__admin/route-failover': {
          const b = body();
          this.routeByHand(String(b.ip), b.activeServerIp == null ? null : String(b.activeServerIp));
          return json(200, { ok: true });
        }
        case 'POST /__admin/exhaust-rate-limit':
          this.switches.exhaust();
          return json(200, { remaining: 0 });
        default:
          return undefined;
      }
    } catch (err) {
      if (err instanceof RobotApiError) return err.toAnswer();
      throw err;
    }
  }
}

function matchRoute(req: HttpRequest): { route: RobotRoute; ip: string } | undefined {
  if (req.path === '/failover' && req.method === 'GET') {
    return { route: { action: 'list_failovers', mutating: false, handle: (c) => listFailovers(c) }, ip: '' };
  }
  const m = /^\/failover\/([^/]+)$/.exec(req.path);
  if (!m) return undefined;
  const ip = decodeURIComponent(m[1]!);
  switch (req.method) {
    case 'GET':
      return { route: { action: 'get_failover', mutating: false, handle: (c, i) => getFailover(c, i) }, ip };
    case 'POST':
      return { route: { action: 'route_failover', mutating: true, handle: (c, i, r) => routeFailover(c, i, r) }, ip };
    case 'DELETE':
      return { route: { action: 'unroute_failover', mutating: true, handle: (c, i) => unrouteFailover(c, i) }, ip };
    default:
      return undefined;
  }
}
