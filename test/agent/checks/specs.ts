import { CheckSchema, type CheckSpec } from '../../../core/config/checks';

/** A check spec as the config loader would produce it (defaults applied, validated). */
export function spec(input: Record<string, unknown>): CheckSpec {
  return CheckSchema.parse({ interval: 2000, timeout: 1000, ...input });
}
