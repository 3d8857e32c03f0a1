/**
 * A small two-AZ world used by the emulator's tests and handy for demos and adapter tests:
 *
 *   vpc-0a1 10.0.0.0/16
 *     subnet-0a 10.0.1.0/24 (eu-central-1a, 2001:db8:0:1::/64): i-0aaa (eni-0aaa 10.0.1.10),
 *                                                             i-0bbb (eni-0bbb 10.0.1.11)
 *     subnet-0b 10.0.2.0/24 (eu-central-1b, 2001:db8:0:2::/64): i-0ccc (eni-0ccc 10.0.2.10)
 *   VIP 10.0.1.100 and 2001:db8:0:1::100 on eni-0aaa; Elastic IP eipalloc-0aaa (198.51.100.10)
 *   on the VIP; eipalloc-0bbb (198.51.100.11) unassociated; main route table rtb-0main with an
 *   overlay route 192.0.2.10/32 -> eni-0aaa.
 *
 * Public addresses come from documentation ranges and are never contacted.
 */
import type { Ec2Seed } from './seed';

export function exampleEc2Seed(): Ec2Seed {
  return {
    vpcs: [{ id: 'vpc-0a1', cidr: '10.0.0.0/16' }],
    subnets: [
      {
        id: 'subnet-0a',
        vpcId: 'vpc-0a1',
        cidr: '10.0.1.0/24',
        az: 'eu-central-1a',
        ipv6Cidr: '2001:db8:0:1::/64',
        tags: { Name: 'a' },
      },
      {
        id: 'subnet-0b',
        vpcId: 'vpc-0a1',
        cidr: '10.0.2.0/24',
        az: 'eu-central-1b',
        ipv6Cidr: '2001:db8:0:2::/64',
        tags: { Name: 'b' },
      },
    ],
    instances: [
      {
        id: 'i-0aaa',
        subnetId: 'subnet-0a',
        privateIp: '10.0.1.10',
        secondaryIps: ['10.0.1.100'],
        ipv6: ['2001:db8:0:1::100'],
        tags: { Name: 'node-a' },
      },
      { id: 'i-0bbb', subnetId: 'subnet-0a', privateIp: '10.0.1.11', tags: { Name: 'node-b' } },
      { id: 'i-0ccc', subnetId: 'subnet-0b', privateIp: '10.0.2.10', tags: { Name: 'node-c' } },
    ],
    elasticIps: [
      {
        allocationId: 'eipalloc-0aaa',
        publicIp: '198.51.100.10',
        networkInterfaceId: 'eni-0aaa',
        privateIp: '10.0.1.100',
        tags: { vip: 'web' },
      },
      { allocationId: 'eipalloc-0bbb', publicIp: '198.51.100.11' },
    ],
    routeTables: [
      {
        id: 'rtb-0main',
        vpcId: 'vpc-0a1',
        main: true,
        subnetIds: ['subnet-0a', 'subnet-0b'],
        routes: [{ destination: '192.0.2.10/32', networkInterfaceId: 'eni-0aaa' }],
        tags: { Name: 'main' },
      },
    ],
  };
}
