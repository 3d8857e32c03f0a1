/**
 * The EC2 emulator's timings per profile (sim/common/profile.ts). The rules — throttling buckets,
 * errors, limits, source/destination checking, the public-address side effect — are the same in
 * both; only durations differ.
 *
 * real:
 *  - consistencyLagMs 3000: Describe* lag mutations. The EC2 API Reference ("Eventual
 *    consistency in the Amazon EC2 API") says results "might not be immediately" visible and to
 *    retry with backoff; ClusterLabs resource-agents awseip and awsvip wait `api_delay`
 *    (default 3 s) after AssociateAddress / AssignPrivateIpAddresses before trusting a read, and
 *    aws-vpc-move-ip re-reads the route table after ReplaceRoute for the same reason.
 *  - latencyMs 400: the time a call takes to answer. AWS publishes no figure; this is our
 *    assumption for a mutating call from inside the region, stated as such (see docs/benchmarks.md).
 * fast: no added latency or lag (tests set their own through the settings when they need them).
 */
import { byProfile, type EmulatorProfile } from '../common/profile';

export interface Ec2Timings {
  latencyMs: number;
  consistencyLagMs: number;
}

export function ec2Timings(profile: EmulatorProfile): Ec2Timings {
  return byProfile<Ec2Timings>(profile, {
    real: { latencyMs: 400, consistencyLagMs: 3000 },
    fast: { latencyMs: 0, consistencyLagMs: 0 },
  });
}
