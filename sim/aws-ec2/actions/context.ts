import type { XmlContent } from '../../common/xml';
import type { Ec2State } from '../state';
import type { QueryParams } from '../wire';

/** EC2-specific settings, changeable through `POST /__admin/settings` like the shared ones. */
export interface Ec2Settings {
  /**
   * Real EC2 (VPC) reassociates an Elastic IP when `AllowReassociation` is omitted and refuses
   * only when it is `false`. Set this to treat "omitted" as `false`, to check that a caller
   * always says what it means (the adapters are meant to send it explicitly).
   */
  strictReassociation: boolean;
}

export const DEFAULT_EC2_SETTINGS: Ec2Settings = { strictReassociation: false };

export interface ActionContext {
  params: QueryParams;
  /** What the action sees: the lagged view for Describe*, a private draft of the truth for mutations. */
  state: Ec2State;
  newId(prefix: string): string;
  settings: Ec2Settings;
}

export interface ActionSpec {
  /** Mutations run on a draft that replaces the true state only if they succeed (all or nothing). */
  mutating: boolean;
  run(ctx: ActionContext): XmlContent;
}
