import { scaledClock } from '../../sim/common/profile';
import { loadConfig } from '../../core/config';
import { ec2World, IDS, route53Config, route53World, unknownVips, ZONE } from '../adapters/aws/ec2/fixtures';
import { ec2Harness } from './aws-harness';
import { EmulatorAdmin } from './emulator-admin';
import { providerContract } from './provider-contract';

/**
 * The AWS adapters' contract against the emulators' REAL profile: EC2 calls of 400 ms and reads
 * 3 s behind writes, Route 53 changes INSYNC after 30 s at 5 requests per second. The emulators
 * run on a clock 50 times the wall clock (a rule holds in emulator time; only the wait shrinks),
 * and the Route 53 adapter paces itself at the same 5/s in that time (250/s of wall time).
 * The fast-profile contract is in aws-ec2.contract.test.ts and aws-route53.contract.test.ts.
 */
const SCALE = 50;
const real = () => ({ profile: 'real' as const, clock: scaledClock(SCALE) });

providerContract({
  name: 'aws-ec2 real profile (aws-secondary-ip, IPv4)',
  notApplicable: { 'not-found': 'a secondary private IP names no EC2 resource of its own: the address is a value' },
  async make() {
    const w = await ec2World(real());
    return ec2Harness(w, w.vip('sec4'), 'AssignPrivateIpAddresses', () => w.emu.holderOfPrivateIp('10.0.1.100'), {
      wrongPlace: w.node('c'),
    });
  },
});

providerContract({
  name: 'aws-ec2 real profile (aws-overlay-route, two route tables)',
  async make() {
    const w = await ec2World(real());
    const holder = () => {
      const [t1, t2] = [IDS.rtb1, IDS.rtb2].map((t) => w.emu.route(t, '192.0.2.10/32')?.networkInterfaceId);
      return t1 === t2 ? t1 : `split-${t1}-${t2}`;
    };
    return ec2Harness(w, w.vip('relay'), 'ReplaceRoute', holder, {
      changesPerMove: 2,
      wrongPlace: w.node('x'),
      unknownVip: unknownVips().relay,
      // As in the fast file: the role lacks ec2:DescribeNetworkInterfaces (the source/dest check read).
      forbidden: () => {
        w.emu.denyRules.push({ action: 'DescribeNetworkInterfaces' });
        return w.provider;
      },
    });
  },
});

providerContract({
  name: 'aws-route53 real profile (owner record)',
  notApplicable: {
    'wrong-place':
      'a DNS record can point at any address, in any zone or network, so no node is in the wrong place for it',
  },
  async make() {
    const w = await route53World({}, undefined, { ...real(), adapterRequestsPerSecond: 5 * SCALE });
    const admin = new EmulatorAdmin(w.emu.url);
    const byAddress = new Map(w.cfg.nodes.map((n) => [n.aws?.publicIp, n.id]));
    return {
      provider: w.provider,
      vip: w.vip('webmail'),
      nodes: { a: w.node('a'), b: w.node('b'), d: w.node('d') },
      changesPerMove: 1,
      holder: async () => {
        const values = w.emu.recordSet(ZONE, 'webmail.example.net', 'A')?.values ?? [];
        return values.length === 1
          ? (byAddress.get(values[0]) ?? `foreign:${values[0]}`)
          : values.length === 0
            ? null
            : `several:${values.join(',')}`;
      },
      calls: () => admin.calls(),
      invariants: () => admin.invariants(),
      faults: { arm: (kind, count) => admin.arm(kind, count, 'ChangeResourceRecordSets') },
      setLag: (ms) => admin.settings({ consistencyLagMs: ms }),
      unknownVip: loadConfig({
        cluster: 'r53-test',
        control: { mode: 'local', liveness: 'direct' },
        security: { psk: 'test-psk-0123456789abcdef' },
        nodes: route53Config().nodes,
        vips: [
          {
            name: 'gone',
            kind: 'aws-route53',
            aws: { hostedZoneId: 'Z0000000000GONE1', recordName: 'gone.example.org' },
          },
        ],
      }).vips[0]!,
      forbidden: () => {
        w.emu.deniedOperations.add('ChangeResourceRecordSets');
        return w.provider;
      },
      close: () => w.close(),
    };
  },
});
