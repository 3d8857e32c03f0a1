import { Route53Client, type Route53ClientConfig } from '@aws-sdk/client-route-53';

/** What the adapter needs of a client: `send`. Tests may pass a mocked Route53Client. */
export type Route53Sender = Pick<Route53Client, 'send'>;

export interface Route53ClientOptions {
  /** An emulator's URL in tests; unset in production. */
  endpoint?: string;
  /** Route 53 is global; the SDK still wants a region to sign with. Default: the standard chain, else us-east-1. */
  region?: string;
  /** Unset: the standard chain (environment, profile, container or instance role). */
  credentials?: Route53ClientConfig['credentials'];
  /** Per request. Default 5 s. */
  requestTimeoutMs?: number;
}

export const DEFAULT_ROUTE53_REQUEST_TIMEOUT_MS = 5000;

/** A Route 53 client without SDK retries (ours are bounded and counted) and with a request timeout that throws. */
export function createRoute53Client(options: Route53ClientOptions = {}): Route53Client {
  return new Route53Client({
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_ROUTE53_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
