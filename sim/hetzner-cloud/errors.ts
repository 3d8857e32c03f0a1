import { json, type HttpAnswer } from '../common/http';

/**
 * The Cloud API error envelope: `{"error":{"code","message","details"}}`. The status per code
 * follows the API reference and hcloud-go; `locked` answers 423 and the call-specific codes
 * (`floating_ip_assigned`, `ip_not_available`) 422.
 */
const STATUS_BY_CODE = {
  invalid_input: 400,
  json_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  floating_ip_assigned: 422,
  ip_not_available: 422,
  locked: 423,
  rate_limit_exceeded: 429,
  server_error: 500,
  service_error: 503,
} as const;

export type CloudErrorCode = keyof typeof STATUS_BY_CODE;

/** Thrown by handlers; the emulator turns it into the envelope. */
export class CloudApiError extends Error {
  constructor(
    readonly code: CloudErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Only for injected faults that ask for a particular 5xx. */
    private readonly statusOverride?: number,
  ) {
    super(message);
  }

  get status(): number {
    return this.statusOverride ?? STATUS_BY_CODE[this.code];
  }

  toAnswer(): HttpAnswer {
    return json(this.status, { error: { code: this.code, message: this.message, details: this.details } });
  }
}

/** The `details` shape of an invalid_input error, naming the field. */
export function invalidField(name: string, message: string): CloudApiError {
  return new CloudApiError('invalid_input', `invalid input in field '${name}': ${message}`, {
    fields: [{ name, messages: [message] }],
  });
}
