import { createPrivateKey } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Config } from '../core/config';
import { privateKeyFrom } from '../core/heartbeat';

/**
 * The files a config (and the agent's --key) names, read the way the agent will read them, so a
 * wrong path, a directory, an unreadable or truncated file is found by `ipferry validate` before
 * the agent meets it at start; a secret others may read is a warning, here and in the agent's log.
 */
export interface FileProblem {
  /** Where it was named: "security.pskFile", "--key", "checks.web.ca". */
  field: string;
  path: string;
  message: string;
}

export interface FileReport {
  errors: FileProblem[];
  warnings: FileProblem[];
}

/** More than any key, PSK or certificate bundle we expect: a bigger file is refused without being read in full. */
const MAX_BYTES = 1024 * 1024;
const MIN_PSK_CHARS = 16;

/** psk; key: an Ed25519 private key; tls-key: any private key; cert: public PEM certificates. */
type Kind = 'psk' | 'key' | 'tls-key' | 'cert';

interface Named {
  field: string;
  path: string;
  kind: Kind;
}

/** Every file the config names, and the agent's key files. */
export function namedFiles(config: Config, keyFiles: readonly string[] = []): Named[] {
  const named: Named[] = [];
  if (config.security.pskFile) named.push({ field: 'security.pskFile', path: config.security.pskFile, kind: 'psk' });
  for (const path of keyFiles) named.push({ field: '--key', path, kind: 'key' });
  const c = config.control;
  if (c.mode === 'local') {
    if (c.answerKeyFile) named.push({ field: 'control.answerKeyFile', path: c.answerKeyFile, kind: 'key' });
    if (c.tls?.keyFile) named.push({ field: 'control.tls.keyFile', path: c.tls.keyFile, kind: 'tls-key' });
    if (c.tls?.certFile) named.push({ field: 'control.tls.certFile', path: c.tls.certFile, kind: 'cert' });
    if (c.tls?.caFile) named.push({ field: 'control.tls.caFile', path: c.tls.caFile, kind: 'cert' });
  }
  for (const [name, check] of Object.entries(config.checks)) {
    if ('ca' in check && typeof check.ca === 'string')
      named.push({ field: `checks.${name}.ca`, path: check.ca, kind: 'cert' });
  }
  return named;
}

export async function inspectFiles(config: Config, keyFiles: readonly string[] = []): Promise<FileReport> {
  const report: FileReport = { errors: [], warnings: [] };
  for (const named of namedFiles(config, keyFiles)) {
    const found = await inspectOne(named);
    if (found.error) report.errors.push({ field: named.field, path: named.path, message: found.error });
    if (found.warning) report.warnings.push({ field: named.field, path: named.path, message: found.warning });
  }
  return report;
}

async function inspectOne({ path, kind }: Named): Promise<{ error?: string; warning?: string }> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO put in the key's place must not hang validate or the agent.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { error: openFailure(err) };
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) return { error: 'is a directory, expected a file' };
    if (!st.isFile()) return { error: 'is not a regular file' };
    if (st.size > MAX_BYTES)
      return { error: `is ${st.size} bytes, more than any ${what(kind)} (at most ${MAX_BYTES})` };
    const text = (await handle.readFile({ encoding: 'utf8' })).trim();
    const error = contentProblem(kind, text);
    // Who else may read it: certificates are public, a key or PSK is not.
    const others = st.mode & 0o077;
    const warning =
      kind !== 'cert' && others !== 0
        ? `is readable or writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it`
        : undefined;
    return { ...(error ? { error } : {}), ...(warning ? { warning } : {}) };
  } catch (err) {
    return { error: `cannot read: ${errnoText(err)}` };
  } finally {
    await handle.close();
  }
}

function contentProblem(kind: Kind, text: string): string | undefined {
  if (text === '') return `is empty, expected ${what(kind)}`;
  if (kind === 'psk' && text.length < MIN_PSK_CHARS)
    return `holds ${text.length} characters, a pre-shared key needs at least ${MIN_PSK_CHARS}`;
  if (kind === 'key') {
    try {
      privateKeyFrom(text);
    } catch (err) {
      return `is not an Ed25519 private key in PEM: ${err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'unreadable'}`;
    }
  }
  if (kind === 'tls-key') {
    try {
      createPrivateKey(text);
    } catch (err) {
      return `is not a private key in PEM: ${err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'unreadable'}`;
    }
  }
  if (kind === 'cert' && !text.includes('-----BEGIN CERTIFICATE-----'))
    return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  return undefined;
}

function what(kind: Kind): string {
  return {
    psk: 'a pre-shared key',
    key: 'an Ed25519 private key (PEM)',
    'tls-key': 'a private key (PEM)',
    cert: 'PEM certificates',
  }[kind];
}

function openFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return `cannot be read by this user (${code}: permission denied)`;
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'EISDIR') return 'is a directory, expected a file';
  return `cannot be opened: ${errnoText(err)}`;
}

function errnoText(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}
