/**
 * Private IPv4 addresses per network interface (primary included), by instance type, as the EC2
 * User Guide's table "IP addresses per network interface per instance type"
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#AvailableIpPerENI) gives
 * them for the types ipferry's tests, examples and demo use. The limit is per interface: a type
 * with 3 interfaces of 10 does not let one interface hold 30. AssignPrivateIpAddresses beyond it
 * answers PrivateIpAddressLimitExceeded.
 */
export const IPV4_PER_ENI: Readonly<Record<string, number>> = {
  't3.nano': 2,
  't3.micro': 2,
  't3.small': 4,
  't3.medium': 6,
  't3.large': 12,
  't3.xlarge': 15,
  't3.2xlarge': 15,
  'm5.large': 10,
  'm5.xlarge': 15,
  'm5.2xlarge': 15,
  'm5.4xlarge': 30,
  'm5.8xlarge': 30,
  'm5.12xlarge': 30,
  'm5.16xlarge': 50,
  'm5.24xlarge': 50,
  'c5.large': 10,
  'c5.xlarge': 15,
  'c5.2xlarge': 15,
  'c5.4xlarge': 30,
  'c5.9xlarge': 30,
  'c5.18xlarge': 50,
};

/** m5.large: 10 per interface, the limit the emulator used before types were modelled. */
export const DEFAULT_INSTANCE_TYPE = 'm5.large';

/** The per-interface limit of a type the table knows; throws naming the known types otherwise. */
export function ipv4PerEni(instanceType: string): number {
  const n = IPV4_PER_ENI[instanceType];
  if (n === undefined)
    throw new Error(
      `instance type "${instanceType}" is not in the emulator's table (${Object.keys(IPV4_PER_ENI).join(', ')})`,
    );
  return n;
}

/** The smallest known type (by its limit) whose interface holds `addresses` private IPv4 addresses. */
export function smallestTypeFor(addresses: number): string | undefined {
  const fits = Object.entries(IPV4_PER_ENI).filter(([, n]) => n >= addresses);
  fits.sort((a, b) => a[1] - b[1]);
  return fits[0]?.[0];
}
