import type { Imds } from './imds';

/** What IMDS says about this instance and the ENI that carries the VIPs. */
export interface Ec2Identity {
  instanceId: string;
  az: string;
  /** The ENI's MAC: the key under which IMDS lists its addresses. */
  mac: string;
  eni: string;
  subnetId: string;
  subnetCidr: string;
  /** The ENI's private IPv4 addresses, primary first. */
  localIpv4s: string[];
  /** Every ENI attached, for error messages. */
  attached: Array<{ mac: string; eni: string }>;
}

/**
 * Reads the instance and one ENI: the configured one (found by its id among the attached MACs)
 * or, when the config names none, the primary. An ENI that is not attached is an error that
 * lists the ones that are.
 */
export async function discoverEc2(imds: Imds, wantedEni?: string): Promise<Ec2Identity> {
  const [instanceId, az, primaryMac] = await Promise.all([
    imds.get('instance-id'),
    imds.get('placement/availability-zone'),
    imds.get('mac'),
  ]);
  const eniOf = (mac: string) => imds.get(`network/interfaces/macs/${mac}/interface-id`);
  let mac = primaryMac;
  let eni = await eniOf(primaryMac);
  let attached = [{ mac, eni }];
  if (wantedEni && eni !== wantedEni) {
    const macs = await imds.list('network/interfaces/macs/');
    attached = await Promise.all(macs.map(async (m) => ({ mac: m, eni: await eniOf(m) })));
    const found = attached.find((a) => a.eni === wantedEni);
    if (!found)
      throw new Error(
        `aws.eni ${wantedEni} is not attached to instance ${instanceId} (attached: ${attached.map((a) => a.eni).join(', ')})`,
      );
    ({ mac, eni } = found);
  }
  const base = `network/interfaces/macs/${mac}`;
  const [subnetId, subnetCidr, localIpv4s] = await Promise.all([
    imds.get(`${base}/subnet-id`),
    imds.get(`${base}/subnet-ipv4-cidr-block`),
    imds.localIpv4s(mac),
  ]);
  return { instanceId, az, mac, eni, subnetId, subnetCidr, localIpv4s, attached };
}
