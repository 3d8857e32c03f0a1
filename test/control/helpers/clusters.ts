import { loadConfig, type Config } from '../../../core/config';
import { hmacSigner, type Signer } from '../../../core/heartbeat';

export const PSK = 'control-test-psk-0123456789';

/** Short timers, as the tests need them: heartbeats every 100 ms, dead after 300 ms. */
export const FAST = { heartbeatInterval: 100, deadAfter: 300, preemptDelay: 600, minHold: 60_000 };

/** A LAN cluster n1..nN with one VIP per entry in `vips`; HMAC-signed. */
export function lanCluster(
  opts: {
    nodes?: number;
    vips?: Array<Record<string, unknown>>;
    timers?: Record<string, unknown>;
    checks?: Record<string, unknown>;
    control?: Record<string, unknown>;
  } = {},
): Config {
  const ids = Array.from({ length: opts.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  return loadConfig({
    cluster: 'mail',
    control: opts.control ?? { mode: 'local', liveness: 'direct' },
    security: { psk: PSK, clockSkew: 5000 },
    timers: { ...FAST, ...opts.timers },
    nodes: ids.map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
    checks: opts.checks ?? { smtp: { kind: 'tcp', target: '127.0.0.1:25' } },
    vips: (opts.vips ?? [{ name: 'smtp', preferred: 'n1', checks: ['smtp'] }]).map((v, i) => ({
      address: `198.18.0.${101 + i}/24`,
      ...v,
    })),
  });
}

/**
 * Three Hetzner Cloud servers (ids 1, 2, 4 in the emulator) and one floating IP (id 100,
 * 198.18.9.1) preferred on n1. `hetznerClusterInput` is the raw document (for IPFERRY_CONFIG).
 */
export function hetznerClusterInput(
  opts: { timers?: Record<string, unknown>; control?: Record<string, unknown>; vip?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    cluster: 'mail',
    control: opts.control ?? { mode: 'local', liveness: 'direct' },
    security: { psk: PSK, clockSkew: 5000 },
    timers: { ...FAST, ...opts.timers },
    nodes: [
      { id: 'n1', interface: 'eth0', hetzner: { serverId: 1, location: 'fsn1' } },
      { id: 'n2', interface: 'eth0', hetzner: { serverId: 2, location: 'nbg1' } },
      { id: 'n3', interface: 'eth0', hetzner: { serverId: 4, location: 'fsn1' } },
    ],
    checks: { smtp: { kind: 'tcp', target: '127.0.0.1:25' } },
    vips: [
      {
        name: 'mx',
        kind: 'hetzner-floating-ip',
        address: '198.18.9.1/32',
        preferred: 'n1',
        checks: ['smtp'],
        hetzner: { floatingIpId: 100 },
        ...opts.vip,
      },
    ],
  };
}

export function hetznerCluster(opts: Parameters<typeof hetznerClusterInput>[0] = {}): Config {
  return loadConfig(hetznerClusterInput(opts));
}

export function signer(): Signer {
  return hmacSigner(PSK);
}
