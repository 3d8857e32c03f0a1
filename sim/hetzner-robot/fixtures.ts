import type { RobotSeed } from './seed';

/**
 * A small Robot account used by tests and the demo: three dedicated servers and two failover
 * addresses (an IPv4 one booked on and routed to server 321, an IPv6 net routed to server 322).
 */
export function demoRobotSeed(overrides: Partial<RobotSeed> = {}): RobotSeed {
  return {
    credentials: [{ user: 'robot-user', password: 'robot-pass' }],
    servers: [
      { number: 321, ip: '198.18.3.1', ipv6Net: '2001:db8:3:1::', name: 'db1' },
      { number: 322, ip: '198.18.3.2', ipv6Net: '2001:db8:3:2::', name: 'db2' },
      { number: 323, ip: '198.18.3.3', ipv6Net: '2001:db8:3:3::', name: 'db3' },
    ],
    failoverIps: [
      { ip: '198.18.8.1', server: 321 },
      { ip: '2001:db8:f0::', server: 321, activeServerIp: '2001:db8:3:2::' },
    ],
    // No routingMs: the emulator's profile picks it (1 s fast, 50 s real).
    ...overrides,
  };
}
