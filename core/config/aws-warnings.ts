import type { ConfigIssue } from './issues';
import type { Config } from './model';
import { canCarry } from './topology';

/**
 * Configs that load but will not behave as written on AWS. An Elastic IP associated with a
 * node's PRIMARY private address (no `aws.privateIp` naming a secondary one) releases that
 * instance's auto-assigned public address, and moving the EIP away leaves it a new public
 * address or none (EC2 User Guide, "Public IPv4 addresses"). An `aws-route53` owner record
 * built from the node's fixed `aws.publicIp` then points at an address the node no longer has.
 * Warnings, not errors: the config is valid, the combination is the mistake.
 */
export function awsWarnings(config: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const eips = config.vips.filter((v) => v.kind === 'aws-elastic-ip');
  const records = config.vips.filter((v) => v.kind === 'aws-route53');
  config.nodes.forEach((node, i) => {
    if (!node.aws?.publicIp) return;
    // The adapter associates with aws.privateIp when set; the node's own address is its primary.
    const primary = node.aws.privateIp === undefined || node.addresses.includes(node.aws.privateIp);
    if (!primary) return;
    const onPrimary = eips.filter((v) => canCarry(v, node));
    if (onPrimary.length === 0) return;
    const names = onPrimary.map((v) => v.name).join(', ');
    const pointing = records.filter((v) => canCarry(v, node)).map((v) => v.name);
    out.push({
      path: `nodes[${i}].aws.publicIp`,
      message:
        `${node.id} may carry the Elastic IP ${names} on its primary private address: EC2 then releases its public address ${node.aws.publicIp} ` +
        `and gives it a new one (or none) when the EIP leaves` +
        (pointing.length > 0
          ? `, so the Route 53 record of ${pointing.join(', ')} must not be built from this fixed address`
          : '') +
        `; put the EIP on a secondary private address (aws.privateIp), or use an Elastic IP as the node's public address`,
    });
  });
  return out;
}
