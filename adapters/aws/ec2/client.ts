import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';

/** What the adapter needs of a client: `send`. Tests may pass a mocked EC2Client. */
export type Ec2Sender = Pick<EC2Client, 'send'>;

export interface Ec2ClientOptions {
  /** An emulator's URL in tests; unset in production (the SDK picks the regional endpoint). */
  endpoint?: string;
  /** Unset: the standard chain (AWS_REGION, profile, IMDS). */
  region?: string;
  /** Unset: the standard chain (environment, profile, container or instance role). */
  credentials?: EC2ClientConfig['credentials'];
  /** Per request. Default 3 s. */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;

/**
 * An EC2 client configured the way the adapter needs it: no SDK retries (maxAttempts 1: ours are
 * bounded by the move's deadline and counted), and a request timeout that actually throws (the
 * handler only warns unless throwOnRequestTimeout is set).
 */
export function createEc2Client(options: Ec2ClientOptions = {}): EC2Client {
  return new EC2Client({
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
