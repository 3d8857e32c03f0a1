export { execFileRunner, inNetns, runChecked, formatCommand, CommandError } from './command';
export type { CommandResult, CommandRunner, RunOptions } from './command';
export { HostNetError } from './errors';
export { LinuxHostNet, type LinuxHostNetOptions } from './linux';
export { RecordingHostNet, type RecordedOperation, type RecordingHostNetOptions } from './recording';
export { Announcer, ANNOUNCER_DEFAULTS, type AnnouncerOptions, type AnnouncePhase } from './announcer';
export { selectHostNet, type HostNetChoice, type SelectHostNetOptions } from './select';
