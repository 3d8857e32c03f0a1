import { ec2World, IDS, unknownVips } from '../adapters/aws/ec2/fixtures';
import { ec2Harness as harness } from './aws-harness';
import { providerContract } from './provider-contract';

/**
 * The EC2 provider's kinds against the EC2 emulator (test/adapters/aws/ec2/fixtures.ts describes the
 * world; strictReassociation is on, so an AssociateAddress without an explicit
 * AllowReassociation would be refused). Faults go to the kind's mutating action; "forbidden" is
 * the emulator's deny list (UnauthorizedOperation, 403) on that action.
 */

providerContract({
  name: 'aws-ec2 (aws-secondary-ip, IPv4)',
  notApplicable: {
    'not-found':
      'a secondary private IP names no EC2 resource of its own: the address is a value, and one nobody holds is simply unassigned',
  },
  async make() {
    const w = await ec2World();
    return harness(w, w.vip('sec4'), 'AssignPrivateIpAddresses', () => w.emu.holderOfPrivateIp('10.0.1.100'), {
      wrongPlace: w.node('c'),
    });
  },
});

providerContract({
  name: 'aws-ec2 (aws-secondary-ip, IPv6: unassign then assign)',
  notApplicable: {
    'not-found':
      'a secondary IPv6 address names no EC2 resource of its own: the address is a value, and one nobody holds is simply unassigned',
  },
  async make() {
    const w = await ec2World();
    return harness(w, w.vip('sec6'), 'UnassignIpv6Addresses', () => w.emu.holderOfIpv6('2001:db8:0:1::100'), {
      nodes: { a: w.node('a6'), b: w.node('b6'), d: w.node('d6') },
      changesPerMove: 2,
      wrongPlace: w.node('a'), // its subnet has no IPv6 block
    });
  },
});

providerContract({
  name: 'aws-ec2 (aws-elastic-ip)',
  notApplicable: {
    'wrong-place':
      'an Elastic IP can be associated with an interface in any subnet and zone of the region, so no node is in the wrong place for it',
  },
  async make() {
    const w = await ec2World();
    return harness(w, w.vip('eip'), 'AssociateAddress', () => w.emu.elasticIp(IDS.alloc)?.association?.eniId, {
      unknownVip: unknownVips().eip,
    });
  },
});

providerContract({
  name: 'aws-ec2 (aws-overlay-route, two route tables)',
  async make() {
    const w = await ec2World();
    const holder = () => {
      const [t1, t2] = [IDS.rtb1, IDS.rtb2].map((t) => w.emu.route(t, '192.0.2.10/32')?.networkInterfaceId);
      return t1 === t2 ? t1 : `split-${t1}-${t2}`;
    };
    return harness(w, w.vip('relay'), 'ReplaceRoute', holder, {
      changesPerMove: 2,
      // A move reads the tables, then the new owner's interface (source/dest check), then writes:
      // refused credentials here are a role without ec2:DescribeNetworkInterfaces, the permission
      // overlay routes gained with that check, refused at the second call.
      forbidden: () => {
        w.emu.denyRules.push({ action: 'DescribeNetworkInterfaces' });
        return w.provider;
      },
      wrongPlace: w.node('x'), // its interface is in another VPC than the route tables
      unknownVip: unknownVips().relay,
    });
  },
});
