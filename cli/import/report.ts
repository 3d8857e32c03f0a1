import { createHash, randomBytes } from 'node:crypto';

/** Something the importer could not carry over, or carried with a change the operator must know. */
export interface Note {
  /** "file:line", or the host's name for command lines. */
  where: string;
  what: string;
  why: string;
  /** dropped: the statement has no effect in ipferry; warning: carried, but read this. */
  level: 'dropped' | 'warning';
}

/** What an importer produces: the config document (before validation) and its notes. */
export interface ImportResult {
  config: Record<string, unknown>;
  notes: Note[];
  /** YAML comments to put above the config (the order of succession, where keys came from). */
  header: string[];
}

export class Notes {
  readonly list: Note[] = [];
  drop(where: string, what: string, why: string): void {
    this.list.push({ where, what, why, level: 'dropped' });
  }
  warn(where: string, what: string, why: string): void {
    this.list.push({ where, what, why, level: 'warning' });
  }
}

const MIN_PSK = 16;

/**
 * VRRP PASS and CARP passwords are short shared words; ipferry's pre-shared key needs 16
 * characters. A short one is stretched deterministically (every host's import gives the same key),
 * which keeps the cluster working but adds no secrecy: hence the warning to set a new one.
 */
export function pskFrom(password: string, where: string, notes: Notes, source: string): string {
  notes.warn(
    where,
    `${source} password carried as security.psk`,
    `it was sent in clear in every advert, so it was never security; set a new secret of your own (security.pskFile) before going live`,
  );
  if (password.length >= MIN_PSK) return password;
  return `imported-${createHash('sha256').update(password).digest('hex').slice(0, 24)}`;
}

/** Names for nodes, checks and VIPs as the config wants them (letters, digits, ".", "_", ":", "-"). */
export function identifierOf(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (cleaned || 'x').slice(0, 63);
}

/** Milliseconds as the config's duration text: "1s", "1500ms". */
export function ms(value: number): string {
  return value % 1000 === 0 ? `${value / 1000}s` : `${Math.round(value)}ms`;
}

/** No password anywhere: heartbeats must still be signed, so a fresh key is made for the cluster. */
export function freshPsk(notes: Notes): string {
  notes.warn(
    'security',
    'security.psk',
    'the files set no password, so a random pre-shared key was generated: keep it secret (move it to security.pskFile), or run `ipferry keygen` per node for ed25519',
  );
  return randomBytes(24).toString('base64url');
}
