/** The compare-and-fix loop that converges the host to the VIPs this node owns. */
export { openGate, SecondaryIpGate, type BindGate, type GateAnswer, type SecondaryIpGateOptions } from './bind-gate';
export { acceptAssignments, type Accepted, type Assignment } from './fence';
export { interfacesOf, managedVips, type ManagedVip } from './managed';
export { planRound, type PlanInput, type Step } from './plan';
export { Effects, type EffectsOptions, type HostOp, type ReconcilerEvents } from './effects';
export { Reconciler, type ReconcilerOptions } from './reconciler';
export { RoundSchedule, type ScheduleOptions } from './schedule';
export { emptyState, type HostState } from './state';
export type { VipStatus } from './status';
