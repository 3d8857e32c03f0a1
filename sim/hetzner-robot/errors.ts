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
  // Robot's docs list it for POST and DELETE /failover/{ip} as 500 with the same text as
  // FAILOVER_FAILED ("Due to an internal error switching of the failover IP address failed",
  // robot.hetzner.com/doc/webservice/en.html#post-failover-failover-ip). The docs do not say
  // whether routing goes on; the name says it did not complete, so the emulator lets it finish
  // (an outcome in doubt is the hostile case) and a client must read before switching again.
  FAILOVER_NOT_COMPLETE: 500,
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
