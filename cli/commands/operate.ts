import type { TickMove } from '../../control/tick';
import type { ControlEvent } from '../../core/ports';
import { API_FLAGS, API_FLAGS_USAGE, runApi } from '../api-command';
import { parse, usageError, type Command } from '../command';
import { formatMove } from '../control-format';
import { formatPeerOp, PEER_FLAGS, PEER_FLAGS_USAGE, viaLocalAgent } from '../peer-ops';
import { termSafe } from '../terminal-text';

function drainCommand(on: boolean): Command {
  const name = on ? 'drain' : 'undrain';
  return {
    async run(argv) {
      const usage = `usage: ipferry ${name} NODE [--url URL | --config FILE] [--token TOKEN] [--json]\n\n${API_FLAGS_USAGE}\n${PEER_FLAGS_USAGE}`;
      const args = parse(argv, { usage, options: { ...API_FLAGS, ...PEER_FLAGS }, positionals: { min: 1, max: 1 } });
      if (typeof args === 'number') return args;
      const node = args.positionals[0]!;
      const peer = await viaLocalAgent(args.values, { method: 'POST', path: name, body: { node } }, formatPeerOp);
      if (peer !== undefined) return peer;
      return runApi(
        args.values,
        (c) => c.request('POST', `/v1/${name}`, { node }),
        (b) => {
          const moves = (b.moves as TickMove[] | undefined) ?? [];
          return [termSafe((b.event as ControlEvent | undefined)?.detail), ...moves.map(formatMove)].join('\n');
        },
      );
    },
  };
}

export const drain = drainCommand(true);
export const undrain = drainCommand(false);

export const move: Command = {
  async run(argv) {
    const usage = `usage: ipferry move VIP NODE --reason TEXT [--url URL | --config FILE] [--token TOKEN] [--json]\n\n  --reason TEXT    why (recorded in the event; required)\n${API_FLAGS_USAGE}\n${PEER_FLAGS_USAGE}`;
    const args = parse(argv, {
      usage,
      options: { ...API_FLAGS, ...PEER_FLAGS, reason: { type: 'string' } },
      positionals: { min: 2, max: 2 },
    });
    if (typeof args === 'number') return args;
    const reason = args.values.reason?.trim();
    if (!reason) {
      return usageError(usage, '--reason is required: say why the VIP moves');
    }
    const [vip, node] = args.positionals as [string, string];
    const body = { vip, node, reason };
    const peer = await viaLocalAgent(args.values, { method: 'POST', path: 'move', body }, formatPeerOp);
    if (peer !== undefined) return peer;
    // 502: committed, but the provider did not complete the move (the next reconcile retries it).
    return runApi(
      args.values,
      (c) => c.request('POST', '/v1/move', { vip, node, reason }),
      (b) => formatMove(b.move as TickMove),
      { alsoRender: [502] },
    );
  },
};

export const unpin: Command = {
  async run(argv) {
    const usage = `usage: ipferry unpin VIP [--url URL | --config FILE] [--token TOKEN] [--json]\n\nLets a VIP moved with "ipferry move" go home (preemption) or be rebalanced again.\n\n${API_FLAGS_USAGE}\n${PEER_FLAGS_USAGE}`;
    const args = parse(argv, { usage, options: { ...API_FLAGS, ...PEER_FLAGS }, positionals: { min: 1, max: 1 } });
    if (typeof args === 'number') return args;
    const vip = args.positionals[0]!;
    const peer = await viaLocalAgent(args.values, { method: 'POST', path: 'unpin', body: { vip } }, formatPeerOp);
    if (peer !== undefined) return peer;
    return runApi(
      args.values,
      (c) => c.request('POST', '/v1/unpin', { vip }),
      (b) => {
        const moves = (b.moves as TickMove[] | undefined) ?? [];
        const head = b.wasPinned
          ? termSafe((b.event as ControlEvent | undefined)?.detail)
          : `${termSafe(vip)} was not pinned; nothing changed`;
        return [head, ...moves.map(formatMove)].join('\n');
      },
    );
  },
};
