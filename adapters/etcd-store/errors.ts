import {
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  EtcdRoleNotGrantedError,
  EtcdUserNotFoundError,
  GRPCInvalidArgumentError,
  GRPCResourceExhastedError,
  GRPCUnauthenticatedError,
} from 'etcd3';
import { StoreError } from '../../core/ports';
import type { FailureReason } from '../../core/reasons';

/**
 * Any error of an etcd call as a StoreError naming the call. Unreachable members, deadlines, lost
 * quorum ("no leader", "request timed out") are transient: a later call may succeed. Requests etcd
 * refuses as too large or with too many operations are invalid: retrying cannot help.
 */
export function etcdError(what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(reasonOf(err, message), `etcd ${what} failed: ${message}`, { cause: err });
}

function reasonOf(err: unknown, message: string): FailureReason {
  if (
    err instanceof EtcdPermissionDeniedError ||
    err instanceof EtcdAuthenticationFailedError ||
    err instanceof EtcdInvalidAuthTokenError ||
    err instanceof EtcdRoleNotGrantedError ||
    err instanceof EtcdUserNotFoundError ||
    err instanceof GRPCUnauthenticatedError
  )
    return 'forbidden';
  if (err instanceof EtcdLeaseInvalidError || /requested lease not found/.test(message)) return 'not-found';
  if (err instanceof GRPCResourceExhastedError || /too many requests/.test(message)) return 'throttled';
  if (err instanceof GRPCInvalidArgumentError || /request is too large|too many operations in txn/.test(message))
    return 'invalid';
  return 'transient';
}
