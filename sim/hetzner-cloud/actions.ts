/**
 * Actions: the API's record of asynchronous work. Each runs for a fixed time and then ends in
 * `success` (or `error` when a test asked for a failure). Nothing runs on a timer: status,
 * progress and locks are computed from the clock when asked, so a test that drives time by hand
 * sees exactly the same thing as one that waits.
 */
export type ResourceType = 'server' | 'floating_ip' | 'network';

export interface ActionRecord {
  id: number;
  command: string;
  startedAt: number;
  finishAt: number;
  resources: Array<{ id: number; type: ResourceType }>;
  /** Set when the action is to end in `error` (its effect is then never applied). */
  failure?: { code: string; message: string };
}

export interface ActionFailureSpec {
  command: string;
  count: number;
  code?: string;
  message?: string;
}

const KEEP_ACTIONS = 10_000;

export class ActionBook {
  private readonly actions = new Map<number, ActionRecord>();
  private nextId = 1000;
  private failures: ActionFailureSpec[] = [];

  start(command: string, resources: ActionRecord['resources'], now: number, durationMs: number): ActionRecord {
    const action: ActionRecord = { id: this.nextId++, command, startedAt: now, finishAt: now + durationMs, resources };
    const failure = this.takeFailure(command);
    if (failure) action.failure = failure;
    this.actions.set(action.id, action);
    if (this.actions.size > KEEP_ACTIONS) this.actions.delete(this.actions.keys().next().value!);
    return action;
  }

  get(id: number): ActionRecord | undefined {
    return this.actions.get(id);
  }

  /** A resource is locked while any action that names it is still running. */
  isLocked(type: ResourceType, id: number, now: number): boolean {
    for (const a of this.actions.values()) {
      if (a.finishAt > now && a.resources.some((r) => r.type === type && r.id === id)) return true;
    }
    return false;
  }

  /** The next `count` actions of `command` end in error instead of success. */
  failNext(spec: ActionFailureSpec): void {
    if (typeof spec.command !== 'string' || spec.command === '') throw new Error('command must be a non-empty string');
    if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('count must be a positive integer');
    this.failures.push({ ...spec });
  }

  private takeFailure(command: string): ActionRecord['failure'] {
    const spec = this.failures.find((f) => f.command === command);
    if (!spec) return undefined;
    spec.count -= 1;
    if (spec.count <= 0) this.failures.splice(this.failures.indexOf(spec), 1);
    return { code: spec.code ?? 'action_failed', message: spec.message ?? 'Action failed' };
  }
}

export function renderAction(a: ActionRecord, now: number): Record<string, unknown> {
  const done = now >= a.finishAt;
  const span = Math.max(1, a.finishAt - a.startedAt);
  return {
    id: a.id,
    command: a.command,
    status: !done ? 'running' : a.failure ? 'error' : 'success',
    progress: done ? 100 : Math.min(99, Math.floor(((now - a.startedAt) / span) * 100)),
    started: new Date(a.startedAt).toISOString(),
    finished: done ? new Date(a.finishAt).toISOString() : null,
    resources: a.resources,
    error: done && a.failure ? a.failure : null,
  };
}
