import { describe, expect, it } from 'vitest';
import { awsWarnings, loadConfig } from '../../../core/config';

const base = {
  cluster: 'c',
  control: { mode: 'aws', region: 'eu-central-1' },
  security: { psk: 'test-psk-0123456789abcdef' },
};
const node = (id: string, ip: string, aws: Record<string, unknown>) => ({
  id,
  interface: 'ens5',
  addresses: [ip],
  aws: { eni: `eni-000000000000000${id}`, subnetCidr: '10.0.1.0/24', ...aws },
});

describe('awsWarnings', () => {
  it('warns when an Elastic IP may land on the primary address of a node with a fixed public address, naming the Route 53 record built from it', () => {
    const cfg = loadConfig({
      ...base,
      nodes: [
        node('a', '10.0.1.10', { publicIp: '203.0.113.1' }),
        node('b', '10.0.1.11', { publicIp: '203.0.113.2', privateIp: '10.0.1.50' }),
      ],
      vips: [
        { name: 'mx', kind: 'aws-elastic-ip', address: '198.51.100.25/32', aws: { allocationId: 'eipalloc-0abc1234' } },
        { name: 'web', kind: 'aws-route53', aws: { hostedZoneId: 'Z00000000EXAMPLE2', recordName: 'web.example.net' } },
      ],
    });
    const w = awsWarnings(cfg);
    // b puts the EIP on a secondary address (aws.privateIp is not its own address): no warning.
    expect(w.map((i) => i.path)).toEqual(['nodes[0].aws.publicIp']);
    expect(w[0]!.message).toContain('releases its public address 203.0.113.1');
    expect(w[0]!.message).toContain('the Route 53 record of web must not be built from this fixed address');
  });

  it('says nothing without an Elastic IP or without a fixed public address', () => {
    const cfg = loadConfig({
      ...base,
      nodes: [node('a', '10.0.1.10', {})],
      vips: [
        { name: 'mx', kind: 'aws-elastic-ip', address: '198.51.100.25/32', aws: { allocationId: 'eipalloc-0abc1234' } },
      ],
    });
    expect(awsWarnings(cfg)).toEqual([]);
  });
});
