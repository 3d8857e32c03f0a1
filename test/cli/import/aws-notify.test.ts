import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../core/config';
import { FIXTURES, runImport } from './helpers';

// docs/migrating.md, "From keepalived with an aws ec2 assign-private-ip-addresses notify script":
// the pair imports as any keepalived pair, and the edits the page lists give a valid AWS config.
describe('keepalived with an aws ec2 notify script, moved to the aws control plane', () => {
  it('imports, and the edits docs/migrating.md lists give a config the schema accepts', async () => {
    const r = await runImport(
      'keepalived',
      '--node',
      `lb1=${FIXTURES}/aws-notify/lb1.conf`,
      '--node',
      `lb2=${FIXTURES}/aws-notify/lb2.conf`,
      '--cluster',
      'lb',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.config!.vips[0]).toMatchObject({
      name: 'VI_1',
      preferred: 'lb1',
      checks: ['chk_haproxy'],
      hooks: { up: { run: ['/etc/keepalived/to-master.sh'], layout: 'none' } },
    });
    const doc = parse(r.text!) as {
      control: unknown;
      nodes: Array<Record<string, unknown>>;
      vips: Array<Record<string, unknown>>;
    };
    // The edits, as the page says them.
    doc.control = { mode: 'aws', region: 'eu-central-1' };
    doc.nodes.forEach((n, i) => {
      n.aws = {
        instanceId: `i-000000000000a00${i + 1}`,
        eni: `eni-000000000000e00${i + 1}`,
        subnetId: 'subnet-000000000000a0001',
        subnetCidr: '10.20.1.0/24',
        az: 'eu-central-1a',
        privateIp: (n.addresses as string[])[0],
      };
    });
    for (const v of doc.vips) {
      v.kind = 'aws-secondary-ip';
      delete v.hooks;
    }
    const config = loadConfig(doc);
    expect(config.vips[0]).toMatchObject({ kind: 'aws-secondary-ip', preferred: 'lb1', checks: ['chk_haproxy'] });
    expect(config.vips[0]!.hooks).toBeUndefined();
    expect(config.control.mode).toBe('aws');
  });
});
