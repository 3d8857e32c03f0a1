import { access } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Amazon Linux's amazon-ec2-net-utils adds and removes an ENI's secondary IPv4 addresses on the
 * host by itself, from IMDS `local-ipv4s`: it would bind a VIP EC2 has assigned before our bind
 * gate and fence agree, keep it bound after we unbind it, and put back what a clean slate removed.
 * What each version installs (github.com/amazonlinux/amazon-ec2-net-utils):
 *  - 2.x (Amazon Linux 2023): `setup-policy-routes`, the `policy-routes@` service and the
 *    `refresh-policy-routes@<iface>.timer` (OnUnitInactiveSec=60: every minute) that writes
 *    /run/systemd/network/70-<iface>.network.d/ec2net_alias.conf, one [Address] per secondary
 *    address, which systemd-networkd then applies;
 *  - 1.x (Amazon Linux 2): the udev rule 53-ec2-network-interfaces.rules and
 *    /etc/sysconfig/network-scripts/ec2net-functions, whose secondary-address sync (run from
 *    dhclient's ec2dhcp.sh) is skipped for an interface whose ifcfg file says EC2SYNC=no.
 * Finding one is a warning with the change to make, never a refusal: the agent still runs.
 */
const V2 = [
  'usr/lib/systemd/system/refresh-policy-routes@.timer',
  'usr/lib/systemd/system/policy-routes@.service',
  'usr/bin/setup-policy-routes',
  'usr/lib/udev/rules.d/99-vpc-policy-routes.rules',
];
const V1 = [
  'etc/sysconfig/network-scripts/ec2net-functions',
  'usr/lib/udev/rules.d/53-ec2-network-interfaces.rules',
  'etc/udev/rules.d/53-ec2-network-interfaces.rules',
  'etc/dhcp/dhclient.d/ec2dhcp.sh',
];

export interface NetUtilsFinding {
  version: '1.x' | '2.x';
  /** The files found (absolute, under the root searched). */
  evidence: string[];
  /** What to change, for the log and `ipferry validate`. */
  advice: string;
}

export interface NetUtilsProbe {
  /** The filesystem root (tests point it at a temporary folder). Default `/`. */
  root?: string;
  exists?: (path: string) => Promise<boolean>;
}

/** The amazon-ec2-net-utils installs on this host that would fight the agent over `iface`. */
export async function detectEc2NetUtils(iface: string, probe: NetUtilsProbe = {}): Promise<NetUtilsFinding[]> {
  const root = probe.root ?? '/';
  const exists =
    probe.exists ??
    ((p: string) =>
      access(p).then(
        () => true,
        () => false,
      ));
  const present = async (paths: readonly string[]) => {
    const found: string[] = [];
    for (const p of paths) if (await exists(join(root, p))) found.push(join(root, p));
    return found;
  };
  const out: NetUtilsFinding[] = [];
  const v2 = await present([...V2, `run/systemd/network/70-${iface}.network.d/ec2net_alias.conf`]);
  if (v2.length > 0) {
    out.push({
      version: '2.x',
      evidence: v2,
      advice:
        `amazon-ec2-net-utils 2.x re-adds ${iface}'s secondary IPv4 addresses from IMDS every minute (refresh-policy-routes@${iface}.timer ` +
        `writes /run/systemd/network/70-${iface}.network.d/ec2net_alias.conf), which fights ipferry's bind, unbind and clean slate: ` +
        `run "systemctl mask --now refresh-policy-routes@${iface}.timer", remove that ec2net_alias.conf and "networkctl reload" ` +
        `(docs/deploy-aws.md, "Amazon Linux and amazon-ec2-net-utils")`,
    });
  }
  const v1 = await present(V1);
  if (v1.length > 0) {
    out.push({
      version: '1.x',
      evidence: v1,
      advice:
        `amazon-ec2-net-utils 1.x syncs ${iface}'s secondary IPv4 addresses with IMDS on every DHCP renewal, which fights ipferry's ` +
        `bind, unbind and clean slate: add EC2SYNC=no to /etc/sysconfig/network-scripts/ifcfg-${iface} ` +
        `(docs/deploy-aws.md, "Amazon Linux and amazon-ec2-net-utils")`,
    });
  }
  return out;
}
