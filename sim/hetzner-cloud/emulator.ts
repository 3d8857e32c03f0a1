import { Emulator, type EmulatorSettings } from '../common/emulator';
import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import { byProfile, DEFAULT_PROFILE, type EmulatorProfile, type ProfileOptions } from '../common/profile';
import { TokenBucket } from '../common/token-bucket';
import { ActionBook } from './actions';
import type { CloudContext } from './context';
import { CloudApiError } from './errors';
import { HandMoveError, moveAliasIpByHand, moveFloatingIpByHand } from './hand-moves';
import { cloudViolations } from './invariants';
import { matchRoute, type Route } from './routes';
import {
  DEFAULT_ACTION_DURATION_MS,
  DEFAULT_TOKEN,
  REAL_ACTION_DURATION_MS,
  REAL_IMAGE_LOCK_MS,
  type CloudSeed,
} from './seed';
import { CloudState } from './state';
import { cloudSnapshot } from './snapshot';

/** A hang fault without `ms` holds the request this long: longer than any client timeout. */
const DEFAULT_HANG_MS = 300_000;

/**
 * An HTTP emulator of the Hetzner Cloud API (`/v1`): floating IPs, servers with private networks
 * and alias IPs, networks, actions. Bearer auth, the project rate limit with its RateLimit-*
 * headers, asynchronous actions that lock what they touch, eventual consistency and faults.
 * Extra admin routes (besides the shared ones):
 *   POST /__admin/move-floating-ip  {"floatingIp":id,"server":id|null}   a console move, immediate
 *   POST /__admin/move-alias-ip     {"network":id,"ip":"10.0.1.9","server":id|null}
 *   POST /__admin/fail-actions      {"command":"assign_floating_ip","count":1,"code"?,"message"?}
 *   POST /__admin/drain-rate-limit  {}   empties the project's request bucket
 *   POST /__admin/lock-server       {"server":id,"command"?:"create_image","ms"?:N}  a backup or
 *        snapshot starts on the server: it is locked (alias IP changes answer `locked`) until it ends
 * and one setting of its own on the shared route: POST /__admin/settings {"actionDurationMs":N}.
 * Faults: `error` answers `server_error` (500) or, with `status` 502–504, `service_error`.
 */
export class HetznerCloudEmulator extends Emulator {
  readonly state: CloudState;
  readonly actions = new ActionBook();
  readonly rateLimit: TokenBucket;
  /** How long each new action runs. */
  actionDurationMs: number;
  readonly profile: EmulatorProfile;
  /** How long a backup or snapshot started by `lockServer` holds the server's lock by default. */
  readonly imageLockMs: number;
  private readonly tokens: ReadonlySet<string>;

  constructor(
    seed: CloudSeed = {},
    settings: Partial<EmulatorSettings> = {},
    now: () => number = Date.now,
    options: ProfileOptions = {},
  ) {
    super(settings, options.clock ? () => options.clock!.now() : now);
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.state = new CloudState(seed);
    this.tokens = new Set(seed.tokens ?? [DEFAULT_TOKEN]);
    this.actionDurationMs =
      seed.actionDurationMs ??
      byProfile(this.profile, { real: REAL_ACTION_DURATION_MS, fast: DEFAULT_ACTION_DURATION_MS });
    this.imageLockMs = byProfile(this.profile, { real: REAL_IMAGE_LOCK_MS, fast: 2_000 });
    const perHour = seed.rateLimitPerHour ?? 3600;
    this.rateLimit = new TokenBucket(perHour, perHour / 3600, this.now);
    const bad = this.violations();
    if (bad.length > 0) throw new Error(`seed breaks the invariant: ${bad.join('; ')}`);
  }

  /** The API root, what a client takes as its base URL (the real one is https://api.hetzner.cloud/v1). */
  get apiUrl(): string {
    return `${this.url}/v1`;
  }

  protected async serveApi(req: HttpRequest): Promise<HttpAnswer> {
    const matched = matchRoute(req.method, req.path);
    const action = matched?.route.action ?? `${req.method} ${req.path}`;
    await this.delay();
    const { answer, error } = this.answer(req, matched);
    const status = answer.hangMs === undefined ? answer.status : 504;
    this.calls.record({
      at: this.now(),
      action,
      mutating: matched?.route.mutating ?? false,
      status,
      ...(error ? { error } : {}),
    });
    if (matched?.route.mutating && status < 300) this.checkInvariant();
    if (answer.hangMs !== undefined) return answer;
    return { ...answer, headers: { ...answer.headers, ...this.rateLimitHeaders() } };
  }

  private answer(
    req: HttpRequest,
    matched: { route: Route; params: string[] } | undefined,
  ): { answer: HttpAnswer; error?: string } {
    try {
      // Every request, even an unauthenticated one, spends from the bucket, as the API documents.
      if (this.settings.throttling && this.rateLimit.take() > 0) {
        throw new CloudApiError('rate_limit_exceeded', 'limit of 3600 requests per hour reached');
      }
      if (!this.authorized(req)) throw new CloudApiError('unauthorized', 'unable to authenticate');
      const fault = this.takeFault(matched?.route.action ?? '');
      if (fault?.kind === 'hang') return { answer: { status: 0, hangMs: fault.ms ?? DEFAULT_HANG_MS }, error: 'hang' };
      if (fault?.kind === 'throttle') throw new CloudApiError('rate_limit_exceeded', 'limit reached (injected)');
      if (fault?.kind === 'error') throw injectedError((fault as { status?: number }).status ?? 500);
      if (!matched) throw new CloudApiError('not_found', `no route ${req.method} ${req.path}`);
      return { answer: matched.route.handle(this.context(), matched.params, req) };
    } catch (err) {
      if (err instanceof CloudApiError) return { answer: err.toAnswer(), error: err.code };
      throw err;
    }
  }

  private authorized(req: HttpRequest): boolean {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(header);
    return m !== null && this.tokens.has(m[1]!);
  }

  private context(): CloudContext {
    const now = this.now();
    return {
      state: this.state,
      actions: this.actions,
      now,
      actionDurationMs: this.actionDurationMs,
      view: {
        state: this.state,
        at: now,
        lagMs: this.settings.consistencyLagMs,
        isLocked: (type, id) => this.actions.isLocked(type, id, now),
      },
    };
  }

  private rateLimitHeaders(): Record<string, string> {
    const bucket = this.rateLimit;
    const available = bucket.available;
    const fullAt = this.now() + ((bucket.capacity - available) / bucket.refillPerSecond) * 1000;
    return {
      'RateLimit-Limit': String(bucket.capacity),
      'RateLimit-Remaining': String(Math.floor(available)),
      'RateLimit-Reset': String(Math.ceil(fullAt / 1000)),
    };
  }

  snapshot(): unknown {
    return cloudSnapshot(this.state, this.actions, this.now(), this.rateLimit.available);
  }

  violations(): string[] {
    return cloudViolations(this.state, this.now());
  }

  /** Assign (or unassign, with null) a floating IP at once, as a person in the console would. */
  moveFloatingIp(floatingIpId: number, serverId: number | null): void {
    moveFloatingIpByHand(this.state, this.actions, this.now(), floatingIpId, serverId);
    this.checkInvariant();
  }

  /** Move an alias IP to `serverId` (or drop it everywhere, with null) at once. */
  moveAliasIp(networkId: number, ip: string, serverId: number | null): void {
    moveAliasIpByHand(this.state, this.actions, this.now(), networkId, ip, serverId);
    this.checkInvariant();
  }

  /**
   * A backup or snapshot (`create_image`) starts on the server: it holds the server's lock for
   * `ms` (default: the profile's image time), so alias IP changes on it answer `locked` meanwhile.
   */
  lockServer(serverId: number, ms: number = this.imageLockMs, command = 'create_image'): number {
    if (!this.state.servers.has(serverId)) throw new HandMoveError(404, `no server ${serverId}`);
    const action = this.actions.start(command, [{ id: serverId, type: 'server' }], this.now(), ms);
    return action.finishAt;
  }

  protected override applyExtraSettings(input: Record<string, unknown>): Record<string, unknown> {
    if ('actionDurationMs' in input) {
      const ms = input.actionDurationMs;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
        throw new Error('actionDurationMs must be a non-negative number');
      this.actionDurationMs = ms;
    }
    return { actionDurationMs: this.actionDurationMs };
  }

  protected override async adminExtra(req: HttpRequest): Promise<HttpAnswer | undefined> {
    const route = `${req.method} ${req.path}`;
    const body = (): Record<string, unknown> =>
      JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
    try {
      switch (route) {
        case 'POST /__admin/move-floating-ip': {
          const b = body();
          this.moveFloatingIp(Number(b.floatingIp), b.server == null ? null : Number(b.server));
          return json(200, { ok: true });
        }
        case 'POST /__admin/move-alias-ip': {
          const b = body();
          this.moveAliasIp(Number(b.network), String(b.ip), b.server == null ? null : Number(b.server));
          return json(200, { ok: true });
        }
        case 'POST /__admin/fail-actions': {
          const b = body();
          this.actions.failNext({
            command: String(b.command),
            count: Number(b.count ?? 1),
            ...pickStrings(b, ['code', 'message']),
          });
          return json(200, { ok: true });
        }
        case 'POST /__admin/lock-server': {
          const b = body();
          const until = this.lockServer(
            Number(b.server),
            b.ms == null ? undefined : Number(b.ms),
            typeof b.command === 'string' ? b.command : undefined,
          );
          return json(200, { lockedUntil: until });
        }
        case 'POST /__admin/drain-rate-limit':
          this.rateLimit.drain();
          return json(200, { remaining: 0 });
        default:
          return undefined;
      }
    } catch (err) {
      if (err instanceof HandMoveError) return json(err.status, { error: err.message });
      throw err;
    }
  }
}

/** A 500 is the backend's own error; a 502–504 is a service behind it that failed. */
function injectedError(status: number): CloudApiError {
  return status === 500
    ? new CloudApiError('server_error', 'internal server error (injected)')
    : new CloudApiError('service_error', 'service unavailable (injected)', {}, status);
}

function pickStrings(o: Record<string, unknown>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (typeof o[k] === 'string') out[k] = o[k];
  return out;
}
