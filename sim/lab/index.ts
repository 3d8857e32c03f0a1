export { createLab, Lab, type LabOptions, type WatchOptions } from './lab';
export type { LabMember } from './names';
export type { LabProcess, LabExit } from './process';
export type { Prober, ProberOptions, ProbeTimeline, UdpProbe, TcpProbe } from './prober';
export type { ArpRound, ResponderWatch } from './arp-watch';
export { analyze, type ProbeAnalysis } from './analysis';
export { cleanupStale } from './stale';
export type { LabRunner, LabCommandResult } from './run';
export type { AddressEvent, AddressWatch } from './address-watch';
