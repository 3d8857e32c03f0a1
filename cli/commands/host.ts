import type { CommandEntry } from '../command';

/** The commands a host runs: the agent (and its status), the fence it starts, validate, the hook helper, and the legacy VRRP watcher. */
export const hostCommands: Record<string, CommandEntry> = {
  agent: {
    summary: "run this host's agent (checks, heartbeats, host plumbing); agent status",
    load: async () => (await import('./agent')).agent,
  },
  validate: {
    summary: 'check a config file; prints every problem with its path',
    load: async () => (await import('./validate')).validate,
  },
  fence: {
    summary: "peer mode's dead-man's switch, started by the agent",
    load: async () => (await import('./fence')).fence,
    hidden: true,
  },
  'hook-helper': {
    summary: 'run allow-listed hook commands as root for the unprivileged agent (socket-activated)',
    load: async () => (await import('./hook-helper')).hookHelper,
  },
  'legacy-watch': {
    summary:
      'beside keepalived during a switch: watch VRRP adverts so the agent stays passive while an old master is heard',
    load: async () => (await import('./legacy-watch')).legacyWatch,
  },
};
