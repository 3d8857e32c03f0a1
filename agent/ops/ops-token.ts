import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, rename, unlink, writeFile } from 'node:fs/promises';

/** Where `ipferry agent` writes its operations token, and where the CLI reads it (the unit's RuntimeDirectory). */
export const DEFAULT_OPS_TOKEN_FILE = '/run/ipferry/ops.token';

/**
 * A fresh random token for the agent's operations (drain, move, …), written to `file` readable by
 * the agent's own user only (0600): whoever can read it — that user or root — may operate the
 * cluster through this agent; another local user reaching the loopback port may not. New on every
 * start, so a token copied once stops working at the next restart. Written to a new file and
 * renamed, so nobody reads it half written or before its mode is set.
 */
export async function writeOpsToken(file: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const tmp = `${file}.${process.pid}.new`;
  try {
    await writeFile(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`cannot write the operations token to ${file}: ${(err as Error).message}`);
  }
  return token;
}

/** Compares a request's `Authorization: Bearer …` with the token in constant time. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}
