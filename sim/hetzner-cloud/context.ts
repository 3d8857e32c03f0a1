import type { ActionBook } from './actions';
import type { View } from './render';
import type { CloudState } from './state';

/** What a handler needs for one request: the state, the action book, the time and the read view. */
export interface CloudContext {
  state: CloudState;
  actions: ActionBook;
  now: number;
  actionDurationMs: number;
  view: View;
}
