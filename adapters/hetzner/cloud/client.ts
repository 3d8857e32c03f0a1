import type { z } from 'zod';
import type { Clock } from '../../../core/clock';
import type { Budget } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { systemClock } from '../../../lib/clock';
import { CallCounter } from '../../provider-kit/call-counter';
import { apiError } from './errors';
import { exchange, parseJsonBody, validateBody } from '../http';
import { estimateBudget, parseRateLimit, retryAfterMs, type RateLimitState } from './rate-limit';
import {
  actionAnswer,
  errorEnvelopeSchema,
  floatingIpAnswer,
  floatingIpPage,
  networkAnswer,
  serverAnswer,
  serverPage,
  type Action,
  type FloatingIp,
  type Network,
  type Pagination,
  type Server,
} from './schemas';
import type { CallOptions } from '../call-options';
import { waitForAction, type WaitOptions } from './wait';

export type { CallOptions } from '../call-options';

export const HETZNER_CLOUD_API = 'https://api.hetzner.cloud/v1';

export interface HetznerCloudClientOptions {
  /** A project API token (read/write for moves). */
  token: string;
  /** Default https://api.hetzner.cloud/v1; an emulator's `apiUrl` in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Per HTTP request. Default 10 s. */
  timeoutMs?: number;
}

/** Per call: an abort signal, and an extra counter for the calls this one operation makes. */

const MAX_PAGES = 200;

/**
 * A small typed client for the parts of the Hetzner Cloud API that ipferry uses. One method is one
 * HTTP call (except the list methods, which follow pagination to the end, and waitForAction,
 * which polls); none retries by itself — compose with `withRetry` and `hetznerCloudShouldRetry`.
 * Every failure is a ProviderError with a reason; every answer is validated before it is returned.
 */
export class HetznerCloudClient {
  /** Every HTTP call this client made, by operation (the emulator's action names). */
  readonly calls = new CallCounter();
  private rate: RateLimitState | undefined;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(private readonly options: HetznerCloudClientOptions) {
    if (!options.token) throw new Error('HetznerCloudClient needs an API token');
    this.baseUrl = (options.baseUrl ?? HETZNER_CLOUD_API).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The RateLimit-* headers of the last answer, as they were. */
  get rateLimit(): RateLimitState | undefined {
    return this.rate;
  }

  /** The project's request budget now, estimated from the last answer and the refill since. */
  budget(): Budget {
    return estimateBudget(this.rate, this.clock.now());
  }

  async getFloatingIp(id: number, opts: CallOptions = {}): Promise<FloatingIp> {
    checkId(id, 'floating IP');
    return this.request('get_floating_ip', 'GET', `/floating_ips/${id}`, floatingIpAnswer, undefined, opts).then(
      (a) => a.floating_ip,
    );
  }

  /** All floating IPs of the project (every page), optionally only those with `name`. */
  async listFloatingIps(opts: CallOptions & { name?: string } = {}): Promise<FloatingIp[]> {
    return this.listAll('list_floating_ips', '/floating_ips', floatingIpPage, (p) => p.floating_ips, opts);
  }

  /** Starts an assign; the move is done when the returned action succeeds (see waitForAction). */
  async assignFloatingIp(id: number, serverId: number, opts: CallOptions = {}): Promise<Action> {
    checkId(id, 'floating IP');
    checkId(serverId, 'server');
    return this.request(
      'assign_floating_ip',
      'POST',
      `/floating_ips/${id}/actions/assign`,
      actionAnswer,
      { server: serverId },
      opts,
    ).then((a) => a.action);
  }

  async unassignFloatingIp(id: number, opts: CallOptions = {}): Promise<Action> {
    checkId(id, 'floating IP');
    return this.request(
      'unassign_floating_ip',
      'POST',
      `/floating_ips/${id}/actions/unassign`,
      actionAnswer,
      {},
      opts,
    ).then((a) => a.action);
  }

  async getAction(id: number, opts: CallOptions = {}): Promise<Action> {
    checkId(id, 'action');
    return this.request('get_action', 'GET', `/actions/${id}`, actionAnswer, undefined, opts).then((a) => a.action);
  }

  /** Polls until the action succeeds; an action ending in error, or the deadline, is a ProviderError. */
  async waitForAction(action: Action | number, opts: WaitOptions & CallOptions): Promise<Action> {
    return waitForAction(this, action, opts);
  }

  async getServer(id: number, opts: CallOptions = {}): Promise<Server> {
    checkId(id, 'server');
    return this.request('get_server', 'GET', `/servers/${id}`, serverAnswer, undefined, opts).then((a) => a.server);
  }

  async listServers(opts: CallOptions & { name?: string } = {}): Promise<Server[]> {
    return this.listAll('list_servers', '/servers', serverPage, (p) => p.servers, opts);
  }

  /**
   * Sets the server's WHOLE alias list on `networkId` (the API replaces it): to add an address send
   * the current list plus it, to remove one send the list without it.
   */
  async changeAliasIps(
    serverId: number,
    networkId: number,
    aliasIps: readonly string[],
    opts: CallOptions = {},
  ): Promise<Action> {
    checkId(serverId, 'server');
    checkId(networkId, 'network');
    const body = { network: networkId, alias_ips: [...aliasIps] };
    return this.request(
      'change_alias_ips',
      'POST',
      `/servers/${serverId}/actions/change_alias_ips`,
      actionAnswer,
      body,
      opts,
    ).then((a) => a.action);
  }

  async getNetwork(id: number, opts: CallOptions = {}): Promise<Network> {
    checkId(id, 'network');
    return this.request('get_network', 'GET', `/networks/${id}`, networkAnswer, undefined, opts).then((a) => a.network);
  }

  private async listAll<P extends { meta: { pagination: Pagination } }, T>(
    operation: string,
    path: string,
    schema: z.ZodType<P>,
    items: (page: P) => T[],
    opts: CallOptions & { name?: string },
  ): Promise<T[]> {
    const out: T[] = [];
    let page = 1;
    for (let n = 0; n < MAX_PAGES; n++) {
      const query = new URLSearchParams({ page: String(page), per_page: '50' });
      if (opts.name !== undefined) query.set('name', opts.name);
      const answer = await this.request(operation, 'GET', `${path}?${query}`, schema, undefined, opts);
      out.push(...items(answer));
      const next = answer.meta.pagination.next_page;
      if (next === null) return out;
      if (next <= page)
        throw new ProviderError(
          'invalid',
          `GET ${path}: pagination does not advance (page ${page}, next_page ${next})`,
          { code: 'unexpected_answer' },
        );
      page = next;
    }
    throw new ProviderError('invalid', `GET ${path}: more than ${MAX_PAGES} pages`, { code: 'unexpected_answer' });
  }

  private async request<T>(
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    body: unknown,
    opts: CallOptions,
  ): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`;
    this.calls.add(operation);
    opts.calls?.add(operation);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await exchange(
      `${this.baseUrl}${path}`,
      { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
      {
        fetch: this.fetchFn,
        clock: this.clock,
        timeoutMs: this.timeoutMs,
        what,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    );
    const now = this.clock.now();
    this.rate = parseRateLimit(answer.headers, now) ?? this.rate;
    if (answer.status < 200 || answer.status >= 300) {
      const envelope = errorEnvelopeSchema.safeParse(safeJson(answer.text));
      throw apiError(
        what,
        answer.status,
        envelope.success ? envelope.data.error : undefined,
        retryAfterMs(this.rate, now),
      );
    }
    return validateBody(schema, parseJsonBody(answer, what), what, answer.status);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function checkId(id: number, what: string): void {
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new ProviderError('invalid', `${what} id ${String(id)} is not a positive integer`, {
      code: 'invalid_argument',
    });
}
