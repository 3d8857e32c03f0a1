import { Route53Client, type Route53ClientConfig } from '@aws-sdk/client-route-53';
import { sdkClientConfig, type SdkClientOptions } from '../sdk-client';

/** What the adapter needs of a client: `send`. Tests may pass a mocked Route53Client. */
export type Route53Sender = Pick<Route53Client, 'send'>;

/** Request timeout default 5 s. */
export interface Route53ClientOptions extends SdkClientOptions<Route53ClientConfig['credentials']> {
  /** Route 53 is global; the SDK still wants a region to sign with. Default: the standard chain, else us-east-1. */
  region?: string;
}

export const DEFAULT_ROUTE53_REQUEST_TIMEOUT_MS = 5000;

/** A Route 53 client with the settings every AWS client of ours shares (../sdk-client.ts). */
export function createRoute53Client(options: Route53ClientOptions = {}): Route53Client {
  return new Route53Client({
    ...sdkClientConfig(options, DEFAULT_ROUTE53_REQUEST_TIMEOUT_MS),
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  });
}
