/**
 * An HTTP emulator of the EC2 Query API, enough for ipferry's EC2 adapters (secondary private
 * IPs, IPv6, Elastic IPs, overlay routes) to run unchanged with the real `@aws-sdk/client-ec2`
 * pointed at `url`. Per call, in order: fault injection, unknown action, deny list, DryRun,
 * throttling, latency, then the action itself. Describe* read the state as it was
 * `consistencyLagMs` ago; mutations act on the true state, atomically.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock';
import { Emulator, type EmulatorSettings } from '../common/emulator';
import { DEFAULT_PROFILE, type EmulatorProfile, type ProfileOptions } from '../common/profile';
import type { HttpAnswer, HttpRequest } from '../common/http';
import { Lagged } from '../common/lagged';
import type { XmlContent } from '../common/xml';
import { DEFAULT_EC2_SETTINGS, type ActionSpec, type Ec2Settings } from './actions/context';
import { EC2_ACTIONS } from './actions/index';
import { Ec2Admin, type DenyRule } from './admin';
import { stateFromSeed, type Ec2Seed } from './seed';
import { findViolations, ipv6Holder, privateIpHolder, type Ec2State, type Eip, type Route } from './state';
import { ec2Timings } from './profile';
import { Ec2Throttle } from './throttle';
import { canonicalIpv6 } from './ip';
import { Ec2Error, errorAnswer, QueryParams, successAnswer } from './wire';

/** A hung call is held this long unless the fault says otherwise; closing the emulator ends it. */
const DEFAULT_HANG_MS = 10 * 60_000;

export interface Ec2EmulatorOptions extends ProfileOptions {
  seed: Ec2Seed;
  /** Override the profile's figures (latency, lag) or rules for one test. */
  settings?: Partial<EmulatorSettings> & Partial<Ec2Settings>;
  /** The clock's `now` wins over this; kept for callers written before profiles. */
  now?: () => number;
}

export class Ec2Emulator extends Emulator {
  readonly ec2Settings: Ec2Settings;
  readonly denyRules: DenyRule[] = [];
  private readonly world: Lagged<Ec2State>;
  private readonly throttle: Ec2Throttle;
  private readonly ec2Admin: Ec2Admin;
  private nextId = 1;

  readonly profile: EmulatorProfile;
  private readonly clock?: Clock;

  constructor(options: Ec2EmulatorOptions) {
    const { strictReassociation, ...shared } = options.settings ?? {};
    const profile = options.profile ?? DEFAULT_PROFILE;
    super({ ...ec2Timings(profile), ...shared }, options.clock ? () => options.clock!.now() : options.now);
    this.profile = profile;
    this.clock = options.clock;
    this.ec2Settings = {
      ...DEFAULT_EC2_SETTINGS,
      ...(strictReassociation === undefined ? {} : { strictReassociation }),
    };
    this.world = new Lagged(stateFromSeed(options.seed, (p) => this.newId(p)));
    this.throttle = new Ec2Throttle(this.now);
    this.ec2Admin = new Ec2Admin(this);
  }

  /** The true state (what EC2 itself knows right now). Treat as read-only. */
  get state(): Ec2State {
    return this.world.current();
  }

  /** What a Describe* call would see right now, given `consistencyLagMs`. */
  visibleState(): Ec2State {
    return this.world.visible(this.now(), this.settings.consistencyLagMs);
  }

  /** Which interface holds this private IPv4 address in the true state, if any. */
  holderOfPrivateIp(ip: string): string | undefined {
    return privateIpHolder(this.state, ip)?.eni.id;
  }

  holderOfIpv6(ip: string): string | undefined {
    const canonical = canonicalIpv6(ip);
    return canonical === undefined ? undefined : ipv6Holder(this.state, canonical)?.id;
  }

  /** The Elastic IP with this allocation id or public address, in the true state. */
  elasticIp(allocationIdOrPublicIp: string): Eip | undefined {
    return Object.values(this.state.eips).find(
      (e) => e.allocationId === allocationIdOrPublicIp || e.publicIp === allocationIdOrPublicIp,
    );
  }

  route(routeTableId: string, destinationCidr: string): Route | undefined {
    return this.state.routeTables[routeTableId]?.routes.find((r) => r.destination === destinationCidr);
  }

  /**
   * Whether traffic routed to `destinationCidr` by this table reaches a host: the route exists, it
   * targets an interface, and that interface has source/destination checking off. With the check on
   * EC2 drops every packet not addressed to the interface itself, and says nothing about it.
   */
  routeDelivers(routeTableId: string, destinationCidr: string): { delivers: boolean; why: string } {
    const r = this.route(routeTableId, destinationCidr);
    if (!r) return { delivers: false, why: `no route for ${destinationCidr} in ${routeTableId}` };
    const eni = r.networkInterfaceId ? this.state.enis[r.networkInterfaceId] : undefined;
    if (!eni) return { delivers: r.gatewayId !== undefined, why: `routed to ${r.gatewayId ?? 'nothing'}` };
    if (eni.sourceDestCheck)
      return { delivers: false, why: `${eni.id} has source/destination check on: EC2 drops the routed packets` };
    return { delivers: true, why: `delivered to ${eni.id}` };
  }

  snapshot(): unknown {
    return { profile: this.profile, state: this.state, ec2Settings: this.ec2Settings, denyRules: this.denyRules };
  }

  /** Latency sleeps on the shared clock when there is one, so a fake clock runs the real profile. */
  protected override async delay(): Promise<void> {
    if (this.settings.latencyMs <= 0) return;
    if (this.clock) await this.clock.sleep(this.settings.latencyMs);
    else await super.delay();
  }

  violations(): string[] {
    return findViolations(this.state);
  }

  newId(prefix: string): string {
    return `${prefix}${(this.nextId++).toString(16).padStart(17, '0')}`;
  }

  /**
   * Runs a mutation on a draft of the true state and keeps the draft only if the action
   * succeeds. Used by the API and by the admin "by hand" routes alike.
   */
  mutate(spec: ActionSpec, params: QueryParams): XmlContent {
    const draft = structuredClone(this.world.current());
    const xml = spec.run({ params, state: draft, newId: (p) => this.newId(p), settings: this.ec2Settings });
    this.world.set(draft, this.now());
    this.checkInvariant();
    return xml;
  }

  protected override applyExtraSettings(input: Record<string, unknown>): Record<string, unknown> {
    if ('strictReassociation' in input) {
      if (typeof input.strictReassociation !== 'boolean') throw new Error('strictReassociation must be a boolean');
      this.ec2Settings.strictReassociation = input.strictReassociation;
    }
    return { ...this.ec2Settings };
  }

  protected override adminExtra(req: HttpRequest): Promise<HttpAnswer | undefined> {
    return Promise.resolve(this.ec2Admin.handle(req));
  }

  protected async serveApi(req: HttpRequest): Promise<HttpAnswer> {
    const requestId = randomUUID();
    const form = new URLSearchParams(req.body.toString('utf8'));
    for (const [k, v] of req.query) if (!form.has(k)) form.set(k, v);
    const params = new QueryParams(form);
    const action = params.get('Action') ?? '';
    const spec = EC2_ACTIONS[action];
    let answer: HttpAnswer;
    let error: string | undefined;
    try {
      answer = await this.answer(action, spec, params, requestId);
    } catch (err) {
      if (!(err instanceof Ec2Error)) throw err;
      answer = errorAnswer(err, requestId);
      error = err.code;
    }
    if (answer.hangMs !== undefined) error = 'hang';
    // A hang sends no status at all; the log says 504 so it never counts as a success.
    this.calls.record({
      at: this.now(),
      action,
      mutating: spec?.mutating ?? false,
      status: answer.hangMs === undefined ? answer.status : 504,
      error,
    });
    return answer;
  }

  /** The answer to one call; EC2 errors are thrown as Ec2Error. */
  private async answer(
    action: string,
    spec: ActionSpec | undefined,
    params: QueryParams,
    requestId: string,
  ): Promise<HttpAnswer> {
    const fault = this.takeFault(action);
    if (fault?.kind === 'hang') return { status: 0, hangMs: fault.ms ?? DEFAULT_HANG_MS };
    if (fault?.kind === 'error') {
      const status = fault.status ?? 500;
      if (status === 503)
        throw new Ec2Error('Unavailable', "The server is overloaded and can't handle the request.", 503);
      throw new Ec2Error('InternalError', 'An internal error has occurred', status);
    }
    if (fault?.kind === 'throttle') throw new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);
    if (action === '') throw new Ec2Error('MissingAction', 'The request must contain the parameter Action');
    if (!spec) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
    if (this.ec2Admin.denies(action, params)) {
      throw new Ec2Error(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. (emulator deny list: ${action})`,
        403,
      );
    }
    if (params.bool('DryRun') === true)
      throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    if (this.settings.throttling && !this.throttle.admit(action, spec.mutating, params)) {
      throw new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);
    }
    await this.delay();
    if (spec.mutating) return successAnswer(action, requestId, this.mutate(spec, params));
    return successAnswer(
      action,
      requestId,
      spec.run({ params, state: this.visibleState(), newId: (p) => this.newId(p), settings: this.ec2Settings }),
    );
  }
}
