import type { PlanReport, StatusReport } from '../../control/status';
import type { ControlEvent } from '../../core/ports';
import { API_FLAGS, API_FLAGS_USAGE, runApi } from '../api-command';
import { parse, usageError, type Command } from '../command';
import { formatEvents, formatPlan, formatStatus } from '../control-format';
import type { PeerClusterStatus } from '../../agent/peer/ops-status';
import { formatPeerEvents, formatPeerStatus, PEER_FLAGS, PEER_FLAGS_USAGE, viaLocalAgent } from '../peer-ops';

export const status: Command = {
  async run(argv) {
    const usage = `usage: ipferry status [--url URL | --config FILE] [--token TOKEN] [--json]\n\n${API_FLAGS_USAGE}\n${PEER_FLAGS_USAGE}`;
    const args = parse(argv, { usage, options: { ...API_FLAGS, ...PEER_FLAGS }, positionals: { max: 0 } });
    if (typeof args === 'number') return args;
    const peer = await viaLocalAgent(args.values, { method: 'GET', path: 'status' }, (b) =>
      formatPeerStatus(b as unknown as PeerClusterStatus),
    );
    if (peer !== undefined) return peer;
    return runApi(
      args.values,
      (c) => c.request('GET', '/v1/status'),
      (b) => formatStatus(b as unknown as StatusReport),
    );
  },
};

export const events: Command = {
  async run(argv) {
    const usage = `usage: ipferry events [--limit N] [--before ID] [--url URL | --config FILE] [--token TOKEN] [--json]\n\n  --limit N        events per page (default 20, at most 1000)\n  --before ID      the page after the one that printed this id\n${API_FLAGS_USAGE}\n${PEER_FLAGS_USAGE}`;
    const args = parse(argv, {
      usage,
      options: { ...API_FLAGS, ...PEER_FLAGS, limit: { type: 'string' }, before: { type: 'string' } },
      positionals: { max: 0 },
    });
    if (typeof args === 'number') return args;
    const limit = args.values.limit ?? '20';
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) {
      return usageError(usage, `--limit must be a number from 1 to 1000, not "${limit}"`);
    }
    const query = new URLSearchParams({ limit, ...(args.values.before ? { before: args.values.before } : {}) });
    const peer = await viaLocalAgent(args.values, { method: 'GET', path: `events?${query}` }, formatPeerEvents);
    if (peer !== undefined) return peer;
    return runApi(
      args.values,
      (c) => c.request('GET', `/v1/events?${query}`),
      (b) => formatEvents(b as unknown as { events: ControlEvent[]; next?: string }),
    );
  },
};

export const plan: Command = {
  async run(argv) {
    const usage = `usage: ipferry plan [--observe] [--url URL | --config FILE] [--token TOKEN] [--json]\n\n  --observe        also read the providers and list drift a reconcile would repair\n${API_FLAGS_USAGE}`;
    const args = parse(argv, {
      usage,
      options: { ...API_FLAGS, observe: { type: 'boolean' } },
      positionals: { max: 0 },
    });
    if (typeof args === 'number') return args;
    return runApi(
      args.values,
      (c) => c.request('GET', `/v1/plan${args.values.observe ? '?observe=1' : ''}`),
      (b) => formatPlan(b as unknown as PlanReport),
    );
  },
};
