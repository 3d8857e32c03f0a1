import type { CommandEntry } from '../command';

export type { CommandEntry } from '../command';
import { hostCommands } from './host';

/**
 * Every `ipferry <name>` command, in the order the usage text lists them. Each is loaded only when
 * it runs: `ipferry agent` on a host must not pay for the control plane, the AWS SDK and the
 * emulators (about 140 MB of RSS against 55 MB).
 */
export const commands: Record<string, CommandEntry> = {
  demo: {
    summary: 'run ipferry on an embedded example and watch VIPs move',
    load: async () => (await import('./demo')).demo,
  },
  validate: hostCommands.validate!,
  schema: {
    summary: 'print the JSON Schema of the config file (for editors)',
    load: async () => (await import('./schema')).schema,
  },
  agent: hostCommands.agent!,
  control: {
    summary: 'run the local control plane (heartbeats, decisions, provider moves, API)',
    load: async () => (await import('./control')).control,
  },
  status: {
    summary: "the control plane's view: nodes, VIP owners and epochs, diagnostics, recent moves",
    load: async () => (await import('./status')).status,
  },
  events: {
    summary: 'the audit log, newest first: moves with reasons and failover timelines, drains, DNS',
    load: async () => (await import('./status')).events,
  },
  page: {
    summary: 'the status page in a browser, through a loopback proxy that signs (AWS) or adds the token',
    load: async () => (await import('./page')).page,
  },
  plan: {
    summary: 'what the control plane would decide now, without committing (--observe: and drift)',
    load: async () => (await import('./status')).plan,
  },
  drain: {
    summary: "move a node's VIPs away for maintenance (until undrain)",
    load: async () => (await import('./operate')).drain,
  },
  undrain: { summary: 'let a drained node take VIPs again', load: async () => (await import('./operate')).undrain },
  move: {
    summary: 'move a VIP to a node by hand (pinned: preemption and rebalancing leave it there)',
    load: async () => (await import('./operate')).move,
  },
  unpin: {
    summary: 'let a VIP moved by hand go home or be rebalanced again',
    load: async () => (await import('./operate')).unpin,
  },
  keygen: {
    summary: "make a node's Ed25519 heartbeat key: private key file (0600), public key line for the config",
    load: async () => (await import('./keygen')).keygen,
  },
  fence: hostCommands.fence!,
  'hook-helper': hostCommands['hook-helper']!,
  'legacy-watch': hostCommands['legacy-watch']!,
  import: {
    summary: 'write an ipferry config from keepalived.conf files or ucarp command lines, listing what was dropped',
    load: async () => (await import('./import')).importCommand,
  },
  sim: {
    summary: 'run a provider emulator (ec2, route53, hetzner, robot) on 127.0.0.1, seeded from a config',
    load: async () => (await import('./sim')).sim,
  },
  up: {
    summary: 'run a config on this machine: emulators, a local control plane, one agent per node; kill nodes, watch',
    load: async () => (await import('./up')).up,
  },
};
