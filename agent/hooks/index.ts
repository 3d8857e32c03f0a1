/** Up, down and notify hooks per VIP, run after the host changed and never in a failover's way. */
export { execHook, type HookCommand, type HookExecutor, type HookFailureReason, type HookOutcome } from './exec-hook';
export {
  HookRunner,
  type HelperExecutor,
  type HookFailure,
  type HookFailureReport,
  type HookName,
  type HookStatus,
  type HookRunnerOptions,
  type Transition,
  type VipState,
} from './hook-runner';
export { hookTarget, type HookContext, type HookSpec, type HookTarget } from './layouts';
export { askHelper, DEFAULT_HELPER_SOCKET } from './helper/helper-client';
export type { HelperRequest } from './helper/protocol';
