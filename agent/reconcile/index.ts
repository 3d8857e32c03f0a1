/** The compare-and-fix loop that converges the host to the VIPs this node owns. */
export { openGate, SecondaryIpGate, type BindGate, type GateAnswer, type SecondaryIpGateOptions } from './bind-gate';
export { acceptAssignments, type Accepted, type Assignment } from './fence';
export { interfacesOf, managedVips, type ManagedVip } from './managed';
export { planRound, type PlanInput, type Step } from './plan';
export { Reconciler, type HostOp, type ReconcilerEvents, type ReconcilerOptions } from './reconciler';
export type { VipStatus } from './status';
