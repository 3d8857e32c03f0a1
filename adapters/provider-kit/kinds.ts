import type { NodeSpec, Vip, VipKind } from '../../core/config';
import type { Holding, MoveContext } from '../../core/ports';
import type { MoveOutcome } from './move-frame';

/**
 * One VIP kind of a provider: the shape every provider is made of. A provider is its kinds, each
 * one of these, assembled in a KindTable; what the provider adds around them is its family's
 * frame (deadline, retries, counting), its locks and its budget. `Move` and `Read` are what the
 * family's frame hands a kind: AWS gives one `Frame` to both; Hetzner gives moves a `MoveFrame`
 * and observe a reader that retries within observe's deadline.
 */
export interface KindHandler<Move, Read = Move> {
  readonly kind: VipKind;
  /**
   * Why moving `vip` to `to` can never succeed, decided from the config alone before any call (the
   * provider answers `invalid` and spends nothing). Absent: `move` checks as it goes.
   */
  refuse?(vip: Vip, to: NodeSpec): string | undefined;
  /** Who holds each of these VIPs (all of this kind), by VIP name. Throws a ProviderError. */
  observe(read: Read, vips: readonly Vip[]): Promise<Map<string, Holding>>;
  /** Read, act only when needed, read back until the provider shows it. Throws a ProviderError. */
  move(frame: Move, vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveOutcome>;
}

/** A provider's kinds by name, in the order given (observe reads them in that order). */
export class KindTable<Move, Read = Move> {
  readonly kinds: readonly VipKind[];
  private readonly byKind = new Map<string, KindHandler<Move, Read>>();

  constructor(private readonly handlers: readonly KindHandler<Move, Read>[]) {
    for (const h of handlers) {
      if (this.byKind.has(h.kind)) throw new Error(`kind ${h.kind} has two handlers`);
      this.byKind.set(h.kind, h);
    }
    this.kinds = handlers.map((h) => h.kind);
  }

  /** The handler of `kind`, or undefined when this provider does not serve it. */
  get(kind: string): KindHandler<Move, Read> | undefined {
    return this.byKind.get(kind);
  }

  /** VIPs of kinds no handler serves (each provider says whether that is an error or none of its business). */
  unserved(vips: readonly Vip[]): Vip[] {
    return vips.filter((v) => !this.byKind.has(v.kind));
  }

  /** Each handler observes its own VIPs, one handler after another; VIPs of other kinds are left out. */
  async observe(read: Read, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const out = new Map<string, Holding>();
    for (const h of this.handlers) {
      const mine = vips.filter((v) => v.kind === h.kind);
      if (mine.length > 0) for (const [name, holding] of await h.observe(read, mine)) out.set(name, holding);
    }
    return out;
  }
}

/**
 * The handler's refusal, if any. A refusal check that throws (a config it did not expect) is a
 * refusal too, with the error's words: a move must never escape as an exception.
 */
export function refusalOf<Move, Read>(handler: KindHandler<Move, Read>, vip: Vip, to: NodeSpec): string | undefined {
  try {
    return handler.refuse?.(vip, to);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
