import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { sdkClientConfig, type SdkClientOptions } from '../sdk-client';

/** What the adapter needs of a client: `send`. Tests may pass a mocked EC2Client. */
export type Ec2Sender = Pick<EC2Client, 'send'>;

/** Request timeout default 3 s. */
export interface Ec2ClientOptions extends SdkClientOptions<EC2ClientConfig['credentials']> {
  /** Unset: the standard chain (AWS_REGION, profile, IMDS). */
  region?: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;

/** An EC2 client with the settings every AWS client of ours shares (../sdk-client.ts). */
export function createEc2Client(options: Ec2ClientOptions = {}): EC2Client {
  return new EC2Client({
    ...sdkClientConfig(options, DEFAULT_REQUEST_TIMEOUT_MS),
    ...(options.region ? { region: options.region } : {}),
  });
}
