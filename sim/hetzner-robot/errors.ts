import { json, type HttpAnswer } from '../common/http';

/**
 * Robot's error envelope: `{"error":{"status","code","message", ...extra}}`. Extra fields carry
 * details, e.g. `max_request` and `interval` for RATE_LIMIT_EXCEEDED, `missing`/`invalid` for
 * INVALID_INPUT.
 */
const STATUS_BY_CODE = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  RATE_LIMIT_EXCEEDED: 403,
  NOT_FOUND: 404,
  SERVER_NOT_FOUND: 404,
  // POST /failover/{ip} with an active_server_ip that is no server of the account (Robot docs).
  FAILOVER_NEW_SERVER_NOT_FOUND: 404,
  // The switch was started but routing did not finish while the request was open: it may still
  // complete, so a client must read, not switch again (Robot docs list it for POST /failover/{ip}).
  FAILOVER_NOT_COMPLETE: 409,
  FAILOVER_ALREADY_ROUTED: 409,
  FAILOVER_LOCKED: 409,
  FAILOVER_FAILED: 500,
  INTERNAL_ERROR: 500,
} as const;

export type RobotErrorCode = keyof typeof STATUS_BY_CODE;

export class RobotApiError extends Error {
  constructor(
    readonly code: RobotErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Only for injected faults that ask for a particular 5xx. */
    private readonly statusOverride?: number,
  ) {
    super(message);
  }

  get status(): number {
    return this.statusOverride ?? STATUS_BY_CODE[this.code];
  }

  toAnswer(): HttpAnswer {
    return json(this.status, { error: { status: this.status, code: this.code, message: this.message, ...this.extra } });
  }
}
