import type { CheckSpec } from '../../core/config/checks';

/** Each check module takes the part of the schema's union that is its own. */
export type TcpCheckSpec = Extract<CheckSpec, { kind: 'tcp' }>;
export type HttpCheckSpec = Extract<CheckSpec, { kind: 'http' | 'https' }>;
export type TlsCheckSpec = Extract<CheckSpec, { kind: 'tls' }>;
export type MailCheckSpec = Extract<CheckSpec, { kind: 'smtp' | 'lmtp' | 'imap' | 'pop3' }>;
export type DnsCheckSpec = Extract<CheckSpec, { kind: 'dns' }>;
export type ExecCheckSpec = Extract<CheckSpec, { kind: 'exec' }>;
export type { CheckSpec };
