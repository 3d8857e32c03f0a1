import { CallLog } from './call-log';
import { FaultInjector, type FaultSpec } from './faults';
import { json, sleep, startHttpServer, type HttpAnswer, type HttpRequest, type RunningServer } from './http';

/** Knobs every emulator shares, changeable at run time through `POST /__admin/settings`. */
export interface EmulatorSettings {
  /** Added to every API answer. */
  latencyMs: number;
  /** How long a write takes to become visible to reads (eventual consistency). */
  consistencyLagMs: number;
  /** Turn rate limiting off entirely (for the offline sandbox). */
  throttling: boolean;
}

export const DEFAULT_SETTINGS: EmulatorSettings = { latencyMs: 0, consistencyLagMs: 0, throttling: true };

/**
 * The shared half of every emulator: settings, fault injection, the call log, the invariant
 * record and the admin endpoint under `/__admin/`. A concrete emulator supplies `serveApi`
 * (its wire format), `snapshot` (its state as JSON) and `violations` (its invariant check).
 *
 * Admin endpoint (JSON):
 *   GET  /__admin/state       the emulator's true state
 *   GET  /__admin/calls       the call log; ?action=X to filter
 *   GET  /__admin/invariants  {"ok":bool,"violations":[...]} — ever seen, not only now
 *   POST /__admin/faults      {"kind":"error"|"throttle"|"hang","count":K,"action"?:A,"ms"?:N}
 *   POST /__admin/settings    partial EmulatorSettings (plus any emulator-specific settings)
 *   POST /__admin/reset-log   clears calls and faults
 */
export abstract class Emulator {
  readonly settings: EmulatorSettings;
  readonly faults = new FaultInjector();
  readonly calls = new CallLog();
  /** Every invariant violation ever observed (with the time), never cleared: tests assert it stays empty. */
  readonly violationLog: Array<{ at: number; violation: string }> = [];
  private server?: RunningServer;

  constructor(
    settings: Partial<EmulatorSettings> = {},
    readonly now: () => number = Date.now,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  protected abstract serveApi(req: HttpRequest): Promise<HttpAnswer>;
  abstract snapshot(): unknown;
  /** Invariant violations in the current true state (e.g. an address attached to two holders). */
  abstract violations(): string[];
  /**
   * Emulator-specific settings arriving on `POST /__admin/settings` (keys the shared settings do
   * not know). Validate everything before changing anything: throw to refuse the whole request.
   * Returns the emulator's own settings so the admin answer shows them; the default has none.
   */
  protected applyExtraSettings(_input: Record<string, unknown>): Record<string, unknown> {
    return {};
  }

  /** Extra admin routes an emulator offers (e.g. "move this address by hand"). */
  protected adminExtra(_req: HttpRequest): Promise<HttpAnswer | undefined> {
    return Promise.resolve(undefined);
  }

  /** Call after every mutation: records violations of the emulator's invariant. */
  protected checkInvariant(): void {
    for (const v of this.violations()) this.violationLog.push({ at: this.now(), violation: v });
  }

  async start(port?: number): Promise<RunningServer> {
    this.server = await startHttpServer((req) => this.dispatch(req), port === undefined ? {} : { port });
    return this.server;
  }

  get url(): string {
    if (!this.server) throw new Error('emulator not started');
    return this.server.url;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  /** Armed faults, consumed in order; emulators call this once per API call with its action name. */
  protected takeFault(action: string): FaultSpec | undefined {
    return this.faults.next(action);
  }

  protected async delay(): Promise<void> {
    if (this.settings.latencyMs > 0) await sleep(this.settings.latencyMs);
  }

  private async dispatch(req: HttpRequest): Promise<HttpAnswer> {
    if (req.path.startsWith('/__admin/')) return this.admin(req);
    return this.serveApi(req);
  }

  private async admin(req: HttpRequest): Promise<HttpAnswer> {
    const route = `${req.method} ${req.path}`;
    try {
      switch (route) {
        case 'GET /__admin/state':
          return json(200, this.snapshot());
        case 'GET /__admin/calls': {
          const action = req.query.get('action');
          return json(200, action ? this.calls.calls.filter((c) => c.action === action) : this.calls.calls);
        }
        case 'GET /__admin/invariants':
          return json(200, { ok: this.violationLog.length === 0, violations: this.violationLog });
        case 'POST /__admin/faults':
          this.faults.arm(JSON.parse(req.body.toString('utf8')) as FaultSpec);
          return json(200, { pending: this.faults.pending });
        case 'POST /__admin/settings': {
          const input: unknown = JSON.parse(req.body.toString('utf8'));
          const shared = pickSettings(input);
          // Extras are validated and applied before the shared ones, so a refusal changes nothing.
          const own = this.applyExtraSettings(input as Record<string, unknown>);
          Object.assign(this.settings, shared);
          return json(200, { ...this.settings, ...own });
        }
        case 'POST /__admin/reset-log':
          this.calls.clear();
          this.faults.clear();
          return json(200, { ok: true });
        default: {
          const extra = await this.adminExtra(req);
          return extra ?? json(404, { error: `no admin route ${route}` });
        }
      }
    } catch (err) {
      return json(400, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function pickSettings(input: unknown): Partial<EmulatorSettings> {
  if (typeof input !== 'object' || input === null) throw new Error('settings must be a JSON object');
  const out: Partial<EmulatorSettings> = {};
  const o = input as Record<string, unknown>;
  for (const key of ['latencyMs', 'consistencyLagMs'] as const) {
    if (key in o) {
      const v = o[key];
      if (typeof v !== 'number' || v < 0) throw new Error(`${key} must be a non-negative number`);
      out[key] = v;
    }
  }
  if ('throttling' in o) {
    if (typeof o.throttling !== 'boolean') throw new Error('throttling must be a boolean');
    out.throttling = o.throttling;
  }
  return out;
}
