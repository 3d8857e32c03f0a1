import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectEc2NetUtils } from '../../../agent/identity';

/** Hosts laid out in a temporary folder as each amazon-ec2-net-utils version installs itself. */
let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

async function host(files: string[]): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'ipferry-netutils-'));
  for (const f of files) {
    await mkdir(dirname(join(root, f)), { recursive: true });
    await writeFile(join(root, f), '');
  }
  return root;
}

describe('amazon-ec2-net-utils detection', () => {
  it('finds 2.x by its refresh timer and the generated alias drop-in, and says what to mask', async () => {
    const r = await host([
      'usr/lib/systemd/system/refresh-policy-routes@.timer',
      'usr/bin/setup-policy-routes',
      'run/systemd/network/70-ens5.network.d/ec2net_alias.conf',
    ]);
    const found = await detectEc2NetUtils('ens5', { root: r });
    expect(found).toHaveLength(1);
    expect(found[0]!.version).toBe('2.x');
    expect(found[0]!.evidence).toEqual([
      join(r, 'usr/lib/systemd/system/refresh-policy-routes@.timer'),
      join(r, 'usr/bin/setup-policy-routes'),
      join(r, 'run/systemd/network/70-ens5.network.d/ec2net_alias.conf'),
    ]);
    expect(found[0]!.advice).toContain('systemctl mask --now refresh-policy-routes@ens5.timer');
  });

  it('finds 1.x by ec2net-functions and its udev rule, and says EC2SYNC=no for the interface', async () => {
    const r = await host([
      'etc/sysconfig/network-scripts/ec2net-functions',
      'usr/lib/udev/rules.d/53-ec2-network-interfaces.rules',
    ]);
    const found = await detectEc2NetUtils('eth0', { root: r });
    expect(found.map((f) => f.version)).toEqual(['1.x']);
    expect(found[0]!.advice).toContain('EC2SYNC=no to /etc/sysconfig/network-scripts/ifcfg-eth0');
  });

  it('finds nothing on a host without the package', async () => {
    expect(await detectEc2NetUtils('ens5', { root: await host(['etc/hostname']) })).toEqual([]);
  });
});
