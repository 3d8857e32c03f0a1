export { applyConfig, type ReloadTarget } from './apply';
export { reloadBlockers } from './blockers';
export { Reloader, type ApplyConfig, type ReloadRecord } from './reloader';
export { listenForReloads, processReloads, type ReloadSignal } from './signal';
