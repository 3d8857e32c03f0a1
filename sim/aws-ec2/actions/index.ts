import { ADDRESS_ACTIONS } from './addresses';
import { ATTRIBUTE_ACTIONS } from './attributes';
import type { ActionSpec } from './context';
import { DESCRIBE_ACTIONS } from './describe';
import { IPV6_ACTIONS } from './ipv6';
import { PRIVATE_IP_ACTIONS } from './private-ips';
import { ROUTE_ACTIONS } from './routes';

/** Every action the emulator implements; anything else answers `InvalidAction`. */
export const EC2_ACTIONS: Record<string, ActionSpec> = {
  ...DESCRIBE_ACTIONS,
  ...PRIVATE_IP_ACTIONS,
  ...IPV6_ACTIONS,
  ...ADDRESS_ACTIONS,
  ...ROUTE_ACTIONS,
  ...ATTRIBUTE_ACTIONS,
};
