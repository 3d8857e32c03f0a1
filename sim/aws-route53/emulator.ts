/**
 * An HTTP emulator of the Route 53 REST-XML API, enough for the real `@aws-sdk/client-route-53`
 * pointed at `url`: ChangeResourceRecordSets, ListResourceRecordSets, GetChange, GetHostedZone,
 * ListHostedZones. Per call, in order: fault injection, throttling (one 5 requests/second bucket
 * for the account), latency, then the operation. Reads see the state `consistencyLagMs` ago
 * (0 by default, as the real API reads its own writes); changes are PENDING for
 * `propagationDelayMs` and INSYNC after, and `dnsAnswer` shows what resolvers would see.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock';
import { Emulator, type EmulatorSettings } from '../common/emulator';
import { DEFAULT_PROFILE, type EmulatorProfile, type ProfileOptions } from '../common/profile';
import { json, type HttpAnswer, type HttpRequest } from '../common/http';
import { Lagged } from '../common/lagged';
import { TokenBucket } from '../common/token-bucket';
import { adminChangeRequest } from './admin';
import { applyBatch, type ParsedBatch } from './change-batch';
import { inZone, normaliseName } from './names';
import { Route53Operations, type Operation } from './operations';
import { zonesFromSeed, type Route53Seed } from './seed';
import { DEFAULT_ROUTE53_SETTINGS, parseRoute53Settings, route53Timings, type Route53Settings } from './settings';
import { recordKey, type ChangeRecord, type RecordSet, type Zones } from './state';
import { errorAnswer, Route53Error } from './wire';

export interface Route53EmulatorOptions extends ProfileOptions {
  seed: Route53Seed;
  settings?: Partial<EmulatorSettings> & Partial<Route53Settings>;
  now?: () => number;
}

const DEFAULT_HANG_MS = 10 * 60_000;

export class Route53Emulator extends Emulator {
  readonly route53Settings: Route53Settings;
  readonly changes = new Map<string, ChangeRecord>();
  /** Operations answered AccessDenied (403), as IAM would for a role without the permission; empty: none. */
  readonly deniedOperations = new Set<string>();
  private readonly world: Lagged<Zones>;
  private readonly initialRecords: Record<string, RecordSet[]>;
  private readonly lastChangeOfZone = new Map<string, ChangeRecord>();
  private bucket: TokenBucket;
  private readonly ops = new Route53Operations(this);
  private nextId = 1;

  readonly profile: EmulatorProfile;
  private readonly clock?: Clock;

  constructor(options: Route53EmulatorOptions) {
    const {
      propagationDelayMs,
      enforcePriorRequest,
      priorRequestWindowMs,
      legacyInvalidChangeBatch,
      requestsPerSecond,
      ...shared
    } = options.settings ?? {};
    const profile = options.profile ?? DEFAULT_PROFILE;
    const timings = route53Timings(profile);
    super({ latencyMs: timings.latencyMs, ...shared }, options.clock ? () => options.clock!.now() : options.now);
    this.profile = profile;
    this.clock = options.clock;
    const own = {
      propagationDelayMs,
      enforcePriorRequest,
      priorRequestWindowMs,
      legacyInvalidChangeBatch,
      requestsPerSecond,
    };
    this.route53Settings = parseRoute53Settings(own, {
      ...DEFAULT_ROUTE53_SETTINGS,
      propagationDelayMs: timings.propagationDelayMs,
    });
    const zones = zonesFromSeed(options.seed, () => this.newId('Z'));
    this.world = new Lagged(zones);
    this.initialRecords = Object.fromEntries(Object.values(zones).map((z) => [z.id, z.records]));
    this.bucket = new TokenBucket(
      this.route53Settings.requestsPerSecond,
      this.route53Settings.requestsPerSecond,
      this.now,
    );
  }

  /** The true state: zones by id. Treat as read-only. */
  get zones(): Zones {
    return this.world.current();
  }

  /** What List/Get calls see right now, given `consistencyLagMs`. */
  visibleZones(): Zones {
    return this.world.visible(this.now(), this.settings.consistencyLagMs);
  }

  /** The record set in the true state, if any. */
  recordSet(zoneId: string, name: string, type: string, setIdentifier?: string): RecordSet | undefined {
    const key = recordKey({ name: normaliseName(name), type, setIdentifier });
    return this.zones[zoneId]?.records.find((r) => recordKey(r) === key);
  }

  /** What resolvers answer for name/type now: the zone as of its latest INSYNC change. */
  dnsAnswer(name: string, type: string): string[] {
    const n = normaliseName(name);
    const zone = Object.values(this.zones)
      .filter((z) => inZone(n, z.name))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!zone) return [];
    const synced = [...this.changes.values()]
      .filter((c) => c.zoneId === zone.id && c.insyncAt <= this.now())
      .sort((a, b) => a.submittedAt - b.submittedAt)
      .at(-1);
    const records = synced?.recordsAfter ?? this.initialRecords[zone.id] ?? [];
    return records.filter((r) => r.name === n && r.type === type).flatMap((r) => r.values);
  }

  changeStatus(changeId: string): 'PENDING' | 'INSYNC' | undefined {
    const c = this.changes.get(changeId.replace(/^\/change\//, ''));
    return c === undefined ? undefined : this.now() >= c.insyncAt ? 'INSYNC' : 'PENDING';
  }

  snapshot(): unknown {
    return {
      profile: this.profile,
      zones: this.zones,
      changes: [...this.changes.values()].map(({ recordsAfter: _r, ...c }) => ({
        ...c,
        status: this.changeStatus(c.id),
      })),
      route53Settings: this.route53Settings,
    };
  }

  /** Latency sleeps on the shared clock when there is one, so a fake clock runs the real profile. */
  protected override async delay(): Promise<void> {
    if (this.settings.latencyMs <= 0) return;
    if (this.clock) await this.clock.sleep(this.settings.latencyMs);
    else await super.delay();
  }

  violations(): string[] {
    const out: string[] = [];
    for (const z of Object.values(this.zones)) {
      const keys = new Set<string>();
      for (const r of z.records) {
        if (keys.has(recordKey(r))) out.push(`${z.id} holds ${recordKey(r)} twice`);
        keys.add(recordKey(r));
      }
    }
    return out;
  }

  newId(prefix: string): string {
    return `${prefix}${(this.nextId++).toString(36).toUpperCase().padStart(13, '0')}`;
  }

  /** Whether a new change to this zone is refused because the previous one is still processing. */
  zoneBusy(zoneId: string): boolean {
    const last = this.lastChangeOfZone.get(zoneId);
    if (!this.route53Settings.enforcePriorRequest || !last) return false;
    const until =
      this.route53Settings.priorRequestWindowMs === null
        ? last.insyncAt
        : last.submittedAt + this.route53Settings.priorRequestWindowMs;
    return this.now() < until;
  }

  /** Applies a parsed batch atomically and records the change; throws Route53Error. */
  submit(zoneId: string, batch: ParsedBatch): ChangeRecord {
    const zone = this.zones[zoneId];
    if (!zone) throw new Route53Error('NoSuchHostedZone', `No hosted zone found with ID: ${zoneId}`, 404);
    const records = applyBatch(zone, batch.changes);
    const next = structuredClone(this.zones);
    next[zoneId]!.records = records;
    const now = this.now();
    this.world.set(next, now);
    const change: ChangeRecord = {
      id: this.newId('C'),
      zoneId,
      submittedAt: now,
      insyncAt: now + this.route53Settings.propagationDelayMs,
      comment: batch.comment,
      recordsAfter: records,
    };
    this.changes.set(change.id, change);
    this.lastChangeOfZone.set(zoneId, change);
    this.checkInvariant();
    return change;
  }

  protected override applyExtraSettings(input: Record<string, unknown>): Record<string, unknown> {
    const next = parseRoute53Settings(input, this.route53Settings);
    const rateChanged = next.requestsPerSecond !== this.route53Settings.requestsPerSecond;
    Object.assign(this.route53Settings, next);
    if (rateChanged) this.bucket = new TokenBucket(next.requestsPerSecond, next.requestsPerSecond, this.now);
    return { ...this.route53Settings };
  }

  protected override async adminExtra(req: HttpRequest): Promise<HttpAnswer | undefined> {
    if (req.path === '/__admin/deny') return this.deny(req);
    if (req.method !== 'POST' || req.path !== '/__admin/change') return undefined;
    // A change "by hand", as in the console: same validation, no throttling, no PriorRequestNotComplete.
    try {
      const { zoneId, batch } = adminChangeRequest(req.body.toString('utf8'));
      const change = this.submit(zoneId, batch);
      return json(200, { changeId: change.id });
    } catch (err) {
      if (err instanceof Route53Error) return json(400, { error: err.code, message: err.message });
      throw err;
    }
  }

  /** POST {"operation"?: name} denies it (every operation when absent); DELETE clears; GET lists. */
  private deny(req: HttpRequest): HttpAnswer {
    if (req.method === 'DELETE') this.deniedOperations.clear();
    else if (req.method === 'POST')
      this.deniedOperations.add(
        String((JSON.parse(req.body.toString('utf8') || '{}') as { operation?: string }).operation ?? '*'),
      );
    return json(200, { denied: [...this.deniedOperations] });
  }

  protected async serveApi(req: HttpRequest): Promise<HttpAnswer> {
    const requestId = randomUUID();
    const op = this.ops.route(req);
    const { answer, error } = await this.answer(op, req, requestId);
    // A hang sends no status at all; the log says 504 so it never counts as a success.
    const status = answer.hangMs === undefined ? answer.status : 504;
    this.calls.record({
      at: this.now(),
      action: op?.name ?? 'Unknown',
      mutating: op?.name === 'ChangeResourceRecordSets',
      status,
      error,
    });
    return answer;
  }

  private async answer(
    op: Operation | undefined,
    req: HttpRequest,
    requestId: string,
  ): Promise<{ answer: HttpAnswer; error?: string }> {
    const fail = (err: Route53Error) => ({
      answer: errorAnswer(err, requestId, this.route53Settings.legacyInvalidChangeBatch),
      error: err.code,
    });
    if (!op)
      return fail(new Route53Error('UnknownOperationException', `No operation at ${req.method} ${req.path}`, 404));
    const fault = this.takeFault(op.name);
    if (fault?.kind === 'hang') return { answer: { status: 0, hangMs: fault.ms ?? DEFAULT_HANG_MS }, error: 'hang' };
    if (fault?.kind === 'error') {
      const status = fault.status ?? 500;
      return fail(
        status === 503
          ? new Route53Error('ServiceUnavailable', 'Service is unavailable.', 503)
          : new Route53Error('InternalFailure', 'An internal error occurred.', status),
      );
    }
    if (this.deniedOperations.has(op.name) || this.deniedOperations.has('*')) {
      return fail(
        new Route53Error(
          'AccessDenied',
          `User: arn:aws:sts::123456789012:assumed-role/emulator is not authorized to perform: route53:${op.name} (emulator deny list)`,
          403,
        ),
      );
    }
    try {
      if (fault?.kind === 'throttle' || (this.settings.throttling && this.bucket.take() > 0))
        throw new Route53Error('Throttling', 'Rate exceeded', 400);
      await this.delay();
      return { answer: op.run(requestId) };
    } catch (err) {
      if (err instanceof Route53Error) return fail(err);
      throw err;
    }
  }
}
