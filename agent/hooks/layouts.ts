import type { Vip } from '../../core/config';

/** One hook as the config gives it: a path, an argv, or a spec with a layout or a helper command. */
export type HookSpec = NonNullable<NonNullable<Vip['hooks']>['up']>;

/** What a hook hears about: the VIP, the state it is in now on this node, and this node. */
export interface HookContext {
  vip: string;
  address: string;
  interface: string;
  state: 'up' | 'down' | 'fault';
  node: string;
}

/** What to run: a program with its argv (no shell), or a command of the hook helper's allow-list. */
export type HookTarget = { kind: 'exec'; file: string; args: string[] } | { kind: 'helper'; command: string };

/** keepalived's default priority, for nodes a keepalived-layout hook gives none. */
const KEEPALIVED_DEFAULT_PRIORITY = 100;

/** keepalived's words for our states: owning is MASTER, not owning BACKUP, a fault FAULT. */
const KEEPALIVED_STATE = { up: 'MASTER', down: 'BACKUP', fault: 'FAULT' } as const;

/**
 * The argv a hook runs with: its own program and arguments, then what its layout appends.
 *   ipferry     $1 interface, $2 address (ucarp's first two; today's default)
 *   ucarp       $1 interface, $2 address, $3 extra (ucarp's --xparam) when given
 *   keepalived  $1 INSTANCE, $2 the VIP's name, $3 MASTER/BACKUP/FAULT, $4 this node's priority
 *   none        nothing: keepalived's notify_master/notify_backup scripts take only their own
 * Every value is one argv element of its own, never split or read by a shell.
 */
export function hookTarget(spec: HookSpec, c: HookContext): HookTarget {
  if (typeof spec === 'string' || Array.isArray(spec)) return exec(spec, [c.interface, c.address]);
  if (spec.helper !== undefined) return { kind: 'helper', command: spec.helper };
  return exec(spec.run!, appended(spec, c));
}

function appended(spec: Exclude<HookSpec, string | string[]>, c: HookContext): string[] {
  switch (spec.layout ?? 'ipferry') {
    case 'ipferry':
      return [c.interface, c.address];
    case 'ucarp':
      return spec.extra === undefined ? [c.interface, c.address] : [c.interface, c.address, spec.extra];
    case 'keepalived': {
      const priority = spec.priorities?.[c.node] ?? KEEPALIVED_DEFAULT_PRIORITY;
      return ['INSTANCE', c.vip, KEEPALIVED_STATE[c.state], String(priority)];
    }
    case 'none':
      return [];
  }
}

function exec(run: string | string[], args: string[]): HookTarget {
  const [file, ...own] = typeof run === 'string' ? [run] : run;
  return { kind: 'exec', file: file!, args: [...own, ...args] };
}
