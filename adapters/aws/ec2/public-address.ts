import { DescribeNetworkInterfacesCommand, type NetworkInterface } from '@aws-sdk/client-ec2';
import pino, { type Logger } from 'pino';
import type { Clock } from '../../../core/clock';
import { canonicalIp, parseIp } from '../../../core/ip';
import { ProviderError } from '../../../core/reasons';
import { systemClock } from '../../../lib/clock';
import { createEc2Client, DEFAULT_REQUEST_TIMEOUT_MS, type Ec2ClientOptions, type Ec2Sender } from './client';
import { classifyEc2Error } from './errors';
import { runRead } from '../frame';

/** Where one read happens: inside a move, bounded by its deadline, its calls counted with the move's. */
export interface PublicAddressRead {
  /** The move's clock (its deadline is on it); default the reader's. */
  clock?: Clock;
  deadline: number;
  /** Told of every EC2 request, so the move's call count includes them. */
  onCall?: (action: string) => void;
}

export interface Ec2PublicAddressOptions extends Ec2ClientOptions {
  /** Default: createEc2Client(options). */
  client?: Ec2Sender;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The public IPv4 address EC2 has on an interface's primary private address right now: one
 * DescribeNetworkInterfaces by id. The configured address can be stale — an Elastic IP associated
 * with the primary address releases the auto-assigned public IP, and when it leaves the interface
 * gets a new one or none (EC2 User Guide, "Public IPv4 addresses") — so a DNS record naming the
 * node must ask. Every answer is checked: an interface missing from the answer, another interface
 * in its place, or an association whose PublicIp is not an IPv4 address is an error, never an address.
 */
export class Ec2PublicAddressReader {
  private readonly client: Ec2Sender;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly requestTimeoutMs: number;
  private readonly ownClient?: { destroy(): void };

  constructor(options: Ec2PublicAddressOptions = {}) {
    this.client = options.client ?? createEc2Client(options);
    if (!options.client) this.ownClient = this.client as unknown as { destroy(): void };
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? pino({ enabled: false });
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** The address, or null when EC2 says the primary address has none. Throws a ProviderError. */
  async publicIpv4(eni: string, read: PublicAddressRead): Promise<string | null> {
    const clock = read.clock ?? this.clock;
    const left = read.deadline - clock.now();
    if (left <= 0)
      throw new ProviderError('transient', `the deadline passed before reading ${eni}'s public address from EC2`, {
        code: 'deadline',
      });
    const frame = {
      clock,
      logger: this.logger,
      classify: classifyEc2Error,
      requestTimeoutMs: this.requestTimeoutMs,
      pollMs: 200,
      pollMaxMs: 2000,
      ...(read.onCall ? { onCall: (action: string) => read.onCall!(`EC2 ${action}`) } : {}),
    };
    const { value } = await runRead(frame, left, (f) =>
      f.call('DescribeNetworkInterfaces', (http) =>
        this.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }), http),
      ),
    );
    const found = (value.NetworkInterfaces ?? []).filter((n) => n.NetworkInterfaceId === eni);
    if (found.length !== 1)
      throw new ProviderError(
        'invalid',
        `EC2 DescribeNetworkInterfaces for ${eni} answered ${found.length} interfaces with that id, not one`,
        { code: 'unexpected-answer' },
      );
    return primaryPublicIp(found[0]!);
  }

  close(): void {
    this.ownClient?.destroy();
  }
}

/**
 * The association of the primary private address: the interface's own `association` is that one,
 * and the primary entry of its address list carries it too; when both are present they must agree.
 */
function primaryPublicIp(eni: NetworkInterface): string | null {
  const primary = (eni.PrivateIpAddresses ?? []).find((p) => p.Primary === true);
  const seen = [eni.Association?.PublicIp, primary?.Association?.PublicIp].filter(
    (v): v is string => v !== undefined && v !== '',
  );
  const ips = seen.map((v) => {
    const ip = parseIp(v)?.family === 4 ? canonicalIp(v) : undefined;
    if (ip === undefined)
      throw new ProviderError(
        'invalid',
        `EC2 describes ${eni.NetworkInterfaceId}'s public address as "${v}", which is not an IPv4 address`,
        { code: 'unexpected-answer' },
      );
    return ip;
  });
  if (new Set(ips).size > 1)
    throw new ProviderError(
      'invalid',
      `EC2 describes two public addresses on ${eni.NetworkInterfaceId}'s primary private address: ${ips.join(', ')}`,
      { code: 'unexpected-answer' },
    );
  return ips[0] ?? null;
}
