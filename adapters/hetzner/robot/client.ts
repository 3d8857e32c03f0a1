import type { z } from 'zod';
import type { Clock } from '../../../core/clock';
import { canonicalIp } from '../../../core/ip';
import type { Budget } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { CallCounter } from '../../provider-kit/call-counter';
import type { CallOptions } from '../call-options';
import { exchange, parseJsonBody, validateBody } from '../http';
import { systemClock } from '../../../lib/clock';
import { robotError, robotRetryAfterMs } from './errors';
import { failoverAnswer, failoverList, robotErrorSchema, type Failover, type RobotErrorBody } from './schemas';
import { SwitchBudget } from './switch-budget';

export const HETZNER_ROBOT_API = 'https://robot-ws.your-server.de';

export interface HetznerRobotClientOptions {
  /** Robot web-service user and password (HTTP Basic). */
  user: string;
  password: string;
  /** Default https://robot-ws.your-server.de; an emulator's `url` in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** For reads. Default 10 s. */
  timeoutMs?: number;
  /** For switches, which may answer only once routing is done (40–60 s in production). Default 90 s. */
  switchTimeoutMs?: number;
  /** Switches per hour the account allows. Default 50. */
  switchesPerHour?: number;
}

export type { CallOptions } from '../call-options';

/** A switch either changed the routing or found it already as asked (FAILOVER_ALREADY_ROUTED). */
export type SwitchResult = { changed: true; failover: Failover } | { changed: false };

/**
 * A small typed client for Robot's failover routes. One method is one HTTP call; none retries by
 * itself (compose with `withRetry` and `robotShouldRetry`, minding the switch budget).
 */
export class HetznerRobotClient {
  readonly calls = new CallCounter();
  readonly clock: Clock;
  private readonly switches: SwitchBudget;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly auth: string;

  constructor(private readonly options: HetznerRobotClientOptions) {
    if (!options.user || !options.password) throw new Error('HetznerRobotClient needs a web-service user and password');
    this.baseUrl = (options.baseUrl ?? HETZNER_ROBOT_API).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.clock = options.clock ?? systemClock;
    this.auth = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
    this.switches = new SwitchBudget(options.switchesPerHour ?? 50, 3_600_000);
  }

  /** Switches left this hour, as far as this client knows; look before you act. */
  switchBudget(): Budget {
    return this.switches.at(this.clock.now());
  }

  async getFailover(ip: string, opts: CallOptions = {}): Promise<Failover> {
    const answer = await this.request(
      'get_failover',
      'GET',
      `/failover/${checkIp(ip)}`,
      failoverAnswer,
      undefined,
      opts,
    );
    return answer.failover;
  }

  /** All failover IPs of the account; Robot's 404 for "none" is an empty list here. */
  async listFailovers(opts: CallOptions = {}): Promise<Failover[]> {
    try {
      return (await this.request('list_failovers', 'GET', '/failover', failoverList, undefined, opts)).map(
        (a) => a.failover,
      );
    } catch (err) {
      if (err instanceof ProviderError && err.details.code === 'NOT_FOUND') return [];
      throw err;
    }
  }

  /** Routes `ip` to the server whose main IP (or IPv6 net) is `activeServerIp`. */
  async routeFailover(ip: string, activeServerIp: string, opts: CallOptions = {}): Promise<SwitchResult> {
    const target = checkIp(activeServerIp);
    const body = new URLSearchParams({ active_server_ip: target }).toString();
    return this.switch('route_failover', 'POST', checkIp(ip), body, opts);
  }

  /** Stops routing `ip` anywhere. */
  async unrouteFailover(ip: string, opts: CallOptions = {}): Promise<SwitchResult> {
    return this.switch('unroute_failover', 'DELETE', checkIp(ip), undefined, opts);
  }

  private async switch(
    operation: string,
    method: 'POST' | 'DELETE',
    ip: string,
    body: string | undefined,
    opts: CallOptions,
  ): Promise<SwitchResult> {
    this.switches.record(this.clock.now());
    try {
      const answer = await this.request(operation, method, `/failover/${ip}`, failoverAnswer, body, opts);
      return { changed: true, failover: answer.failover };
    } catch (err) {
      if (err instanceof ProviderError && err.details.code === 'FAILOVER_ALREADY_ROUTED') return { changed: false };
      throw err;
    }
  }

  private async request<T>(
    operation: string,
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body: string | undefined,
    opts: CallOptions,
  ): Promise<T> {
    const what = `${method} ${path}`;
    this.calls.add(operation);
    opts.calls?.add(operation);
    const headers: Record<string, string> = { authorization: this.auth, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const mutating = method !== 'GET';
    const answer = await exchange(
      `${this.baseUrl}${path}`,
      { method, headers, ...(body === undefined ? {} : { body }) },
      {
        fetch: this.fetchFn,
        clock: this.clock,
        timeoutMs: mutating ? (this.options.switchTimeoutMs ?? 90_000) : (this.options.timeoutMs ?? 10_000),
        what,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    );
    if (answer.status < 200 || answer.status >= 300) {
      const errorBody = parseErrorBody(answer.text);
      const err = robotError(what, answer.status, errorBody);
      if (err.reason === 'throttled' && mutating)
        this.switches.exhaustedUntil(this.clock.now() + (robotRetryAfterMs(errorBody) ?? 72_000));
      throw err;
    }
    return validateBody(schema, parseJsonBody(answer, what), what, answer.status);
  }
}

function parseErrorBody(text: string): RobotErrorBody | undefined {
  try {
    const parsed = robotErrorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** Only a real address goes into a URL path (no slashes, no surprises). */
function checkIp(ip: string): string {
  const canonical = canonicalIp(ip);
  if (canonical === undefined)
    throw new ProviderError('invalid', `"${ip}" is not an IP address`, { code: 'invalid_argument' });
  return canonical;
}
