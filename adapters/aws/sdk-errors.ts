import { ProviderError, type FailureReason } from '../../core/reasons';

/**
 * Turning what the AWS SDK (v3) throws into a classified ProviderError. Shared by the EC2 and the
 * Route 53 adapters: the transport failures (timeouts, dropped connections, aborts) and the HTTP
 * status fallback are the same for every service; each service adds its own table of error codes.
 */

/** The fields of an SDK service exception that we read; anything else is left alone. */
interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Errno codes of a connection that broke or never happened: worth another try. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'EPROTO',
  'UND_ERR_SOCKET',
]);

/** Codes every AWS service may answer, whatever the API. */
const COMMON_CODES: Record<string, FailureReason> = {
  Throttling: 'throttled',
  ThrottlingException: 'throttled',
  RequestLimitExceeded: 'throttled',
  TooManyRequestsException: 'throttled',
  RequestThrottled: 'throttled',
  InternalError: 'transient',
  InternalFailure: 'transient',
  ServiceUnavailable: 'transient',
  Unavailable: 'transient',
  RequestTimeout: 'transient',
  RequestExpired: 'transient',
  AuthFailure: 'forbidden',
  UnauthorizedOperation: 'forbidden',
  AccessDenied: 'forbidden',
  AccessDeniedException: 'forbidden',
  InvalidClientTokenId: 'forbidden',
  SignatureDoesNotMatch: 'forbidden',
  MissingAuthenticationToken: 'forbidden',
  ExpiredToken: 'forbidden',
  UnrecognizedClientException: 'forbidden',
  Blocked: 'forbidden',
  OptInRequired: 'forbidden',
  CredentialsProviderError: 'forbidden',
  MissingParameter: 'invalid',
  InvalidParameter: 'invalid',
  InvalidParameterValue: 'invalid',
  InvalidParameterCombination: 'invalid',
  InvalidAction: 'invalid',
  InvalidInput: 'invalid',
  ValidationError: 'invalid',
};

export interface ServiceCodes {
  /** The service's name in messages ("EC2", "Route 53"). */
  service: string;
  /** Exact error codes. */
  codes: Record<string, FailureReason>;
  /** For codes whose meaning depends on the message (Route 53's InvalidChangeBatch). */
  refine?: (code: string, message: string) => FailureReason | undefined;
}

/** The reason for an error code, or undefined when neither table nor pattern knows it. */
export function reasonForCode(code: string, message: string, service: ServiceCodes): FailureReason | undefined {
  const refined = service.refine?.(code, message);
  if (refined) return refined;
  const known = service.codes[code] ?? COMMON_CODES[code];
  if (known) return known;
  // EC2 names a missing or badly written id per resource type: InvalidVpcID.NotFound, InvalidRoute.Malformed...
  if (code.endsWith('.NotFound')) return 'not-found';
  if (code.endsWith('.Malformed')) return 'invalid';
  return undefined;
}

export function reasonForStatus(status: number): FailureReason {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (status >= 500) return 'transient';
  return 'invalid';
}

/**
 * One SDK error as a ProviderError naming the action. Never throws. Errors that are not the SDK's
 * (a bug, a TypeError) are `invalid`: retrying would not fix them, and the message says what it was.
 */
export function classifySdkError(err: unknown, action: string, service: ServiceCodes): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const errno = typeof e.code === 'string' ? e.code : undefined;
  const status = e.$metadata?.httpStatusCode;
  const what = `${service.service} ${action}`;
  const make = (reason: FailureReason, code: string, text: string) =>
    new ProviderError(reason, `${what} failed: ${text}`, {
      code,
      ...(status === undefined ? {} : { status }),
      cause: err,
    });

  if (name === 'AbortError') return make('transient', 'aborted', `aborted (${describeCause(err) ?? message})`);
  if (name === 'TimeoutError' || errno === 'ETIMEDOUT')
    return make('transient', 'timeout', `no answer in time (${message})`);
  if (errno !== undefined && (NETWORK_CODES.has(errno) || (status === undefined && /^E[A-Z_]+$/.test(errno)))) {
    return make('transient', errno, `connection failed: ${message}`);
  }
  if (name !== '' && name !== 'Error' && name !== 'Unknown') {
    const reason = reasonForCode(name, message, service);
    if (reason) return make(reason, name, `${name}: ${message}`);
  }
  if (status !== undefined)
    return make(reasonForStatus(status), name || `HTTP${status}`, `${name || 'error'} (HTTP ${status}): ${message}`);
  return make('invalid', 'unexpected', `unexpected error ${name || typeof err}: ${message}`);
}

function describeCause(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return typeof cause === 'string' ? cause : undefined;
}
