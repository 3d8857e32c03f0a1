import { loadConfig } from '../../core/config';
import { route53Config, route53World, ZONE } from '../adapters/aws/ec2/fixtures';
import { EmulatorAdmin } from './emulator-admin';
import { providerContract } from './provider-contract';

/**
 * The Route 53 owner record (webmail.example.net → the owner's public address) against the Route 53
 * emulator. Changes are INSYNC after 150 ms and the provider polls every 50 ms; the account's rate
 * limit is raised so the only throttling is the throttling a case asks for. "forbidden" is the
 * emulator's deny list on ChangeResourceRecordSets (AccessDenied, 403).
 */
providerContract({
  name: 'aws-route53 (owner record)',
  notApplicable: {
    'wrong-place':
      'a DNS record can point at any address, in any zone or network, so no node is in the wrong place for it',
  },
  async make() {
    const w = await route53World();
    const admin = new EmulatorAdmin(w.emu.url);
    const byAddress = new Map(w.cfg.nodes.map((n) => [n.aws?.publicIp, n.id]));
    const unknown = loadConfig({
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
    }).vips[0]!;
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
      unknownVip: unknown,
      forbidden: () => {
        w.emu.deniedOperations.add('ChangeResourceRecordSets');
        return w.provider;
      },
      close: () => w.close(),
    };
  },
});
