/**
 * EC2 request rate limiting: one token bucket per action per account, sized as the EC2 developer
 * guide's "Request token bucket sizes and refill rates" table says:
 *   non-mutating (Describe*)                           100 tokens, refill 20/s
 *   unfiltered and unpaginated DescribeInstances /
 *     DescribeNetworkInterfaces                         50 tokens, refill 10/s (a separate bucket)
 *   mutating                                            50 tokens, refill  5/s
 *   AssignPrivateIpAddresses, UnassignPrivateIpAddresses,
 *     AssignIpv6Addresses ("uncategorized")             100 tokens, refill  5/s
 * Over the limit EC2 answers `RequestLimitExceeded` with HTTP 503.
 */
import { TokenBucket } from '../common/token-bucket';
import type { QueryParams } from './wire';

interface BucketSize {
  capacity: number;
  refillPerSecond: number;
}

const NON_MUTATING: BucketSize = { capacity: 100, refillPerSecond: 20 };
const UNFILTERED: BucketSize = { capacity: 50, refillPerSecond: 10 };
const MUTATING: BucketSize = { capacity: 50, refillPerSecond: 5 };

const UNCATEGORIZED: Record<string, BucketSize> = {
  AssignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  UnassignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  AssignIpv6Addresses: { capacity: 100, refillPerSecond: 5 },
};

const HAS_UNFILTERED_BUCKET = new Set(['DescribeInstances', 'DescribeNetworkInterfaces']);

export class Ec2Throttle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number) {}

  /** Takes a token for this call; answers whether the call may proceed. */
  admit(action: string, mutating: boolean, params: QueryParams): boolean {
    const unfiltered =
      HAS_UNFILTERED_BUCKET.has(action) &&
      params.filters().length === 0 &&
      params.get('MaxResults') === undefined &&
      params.get('NextToken') === undefined;
    const key = unfiltered ? `${action}#unfiltered` : action;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const size = unfiltered ? UNFILTERED : (UNCATEGORIZED[action] ?? (mutating ? MUTATING : NON_MUTATING));
      bucket = new TokenBucket(size.capacity, size.refillPerSecond, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.take() === 0;
  }
}
