import type { NodeSpec, Vip } from '../../core/config/model';
import { missingIdentity } from '../../core/config/topology';
import type { VipKind } from '../../core/config/vips';
import type { Clock } from '../../core/clock';
import type { Budget, Holding, MoveContext, MoveResult, Provider } from '../../core/ports';
import { ProviderError } from '../../core/reasons';

/** Where the desired owner of each LAN VIP is written down. In memory by default; a store could back it. */
export interface OwnerRecord {
  get(vip: string): string | undefined;
  set(vip: string, node: string): void;
}

/**
 * What the hosts themselves report: for each VIP, the nodes whose last heartbeat says the address
 * is bound on them. Injected by whoever hears the heartbeats (control plane or peer mode).
 */
export type BoundReports = (vips: readonly Vip[]) => Promise<ReadonlyMap<string, readonly string[]>>;

export interface BareMetalProviderOptions {
  record?: OwnerRecord;
  /** When given, `observe` reports this truth instead of the record. */
  bound?: BoundReports;
  clock?: Pick<Clock, 'now'>;
}

/**
 * The LAN "provider": there is no remote API. Moving a VIP means deciding who owns it; the new
 * owner's agent binds the address and announces it (gratuitous ARP / unsolicited NA), the old
 * owner's agent lets go. So `move` only records the owner and says whether that changed, and
 * `observe` reports the record, or, when hosts' reports are injected, what the hosts say. It
 * never claims to have verified the wire: `verifiedAt` is when the record was written.
 */
export class BareMetalProvider implements Provider {
  readonly name = 'bare-metal';
  readonly kinds: readonly VipKind[] = ['lan'];
  private readonly record: OwnerRecord;
  private readonly now: () => number;

  constructor(private readonly options: BareMetalProviderOptions = {}) {
    this.record = options.record ?? memoryRecord();
    this.now = options.clock ? () => options.clock!.now() : Date.now;
  }

  /** No API, no limit. */
  budget(): Budget {
    return { remaining: null, limit: null, resetAt: null };
  }

  async move(vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveResult> {
    if (vip.kind !== 'lan')
      return {
        ok: false,
        reason: 'invalid',
        message: `the bare-metal provider moves lan VIPs, not ${vip.kind}`,
        calls: 0,
      };
    const missing = missingIdentity(vip, to);
    if (missing.length > 0)
      return {
        ok: false,
        reason: 'invalid',
        message: `node ${to.id} cannot carry ${vip.name}: it needs ${missing.join(' and ')}`,
        calls: 0,
      };
    if (ctx.deadline <= this.now())
      return { ok: false, reason: 'transient', message: "the move's deadline had passed before it started", calls: 0 };
    const changed = this.record.get(vip.name) !== to.id;
    if (changed) this.record.set(vip.name, to.id);
    return {
      ok: true,
      changed,
      calls: 0,
      verifiedAt: this.now(),
      detail: changed ? `owner recorded; ${to.id}'s agent binds and announces` : `already recorded on ${to.id}`,
    };
  }

  async observe(vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const wrong = vips.find((v) => v.kind !== 'lan');
    if (wrong)
      throw new ProviderError('invalid', `the bare-metal provider observes lan VIPs, not ${wrong.kind}`, {
        code: 'unsupported_kind',
      });
    const reports = this.options.bound ? await this.options.bound(vips) : undefined;
    const out = new Map<string, Holding>();
    for (const v of vips)
      out.set(
        v.name,
        reports
          ? fromReports(reports.get(v.name) ?? [], this.record.get(v.name))
          : { node: this.record.get(v.name) ?? null },
      );
    return out;
  }
}

/**
 * The hosts' word. Two hosts claiming one address is a split brain the control loop must see, so
 * it is not smoothed over: the recorded owner (if it is one of them) is the holder and the others
 * are named in `foreign`.
 */
function fromReports(nodes: readonly string[], recorded: string | undefined): Holding {
  const sorted = [...new Set(nodes)].sort();
  if (sorted.length === 0) return { node: null };
  const holder = recorded !== undefined && sorted.includes(recorded) ? recorded : sorted[0]!;
  const others = sorted.filter((n) => n !== holder);
  return others.length === 0 ? { node: holder } : { node: holder, foreign: `also bound on ${others.join(', ')}` };
}

export function memoryRecord(): OwnerRecord {
  const owners = new Map<string, string>();
  return { get: (vip) => owners.get(vip), set: (vip, node) => void owners.set(vip, node) };
}
