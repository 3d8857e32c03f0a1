/** Up, down and notify hooks per VIP, run after the host changed and never in a failover's way. */
export { execHook, type HookCommand, type HookExecutor, type HookOutcome } from './exec-hook';
export {
  HookRunner,
  type HookFailure,
  type HookName,
  type HookRunnerOptions,
  type Transition,
  type VipState,
} from './hook-runner';
